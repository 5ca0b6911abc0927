/**
 * Message definitions with a protocol `kind`: one shape for collection files, the panel and the
 * CLI's `--message '<json>'`. parseMessageDef validates a parsed JSON value and says what is wrong.
 */
import { KIND_PROTOCOL, type ProtocolMessage } from './types';
import { isObject } from './util';

export { KIND_PROTOCOL } from './types';
export type { GraphqlCompleteMessage, GraphqlMessage, JsonRpcMessage, MqttMessage, ProtocolMessage, SignalrMessage, SocketIoMessage, StompMessage } from './types';


/** A message definition that does not have the right shape. */
export class MessageDefError extends Error {}

const fail = (m: string): never => {
  throw new MessageDefError(m);
};

function str(o: Record<string, unknown>, k: string, required: boolean): void {
  if (o[k] === undefined) {
    if (required) fail(`"${k}" is required for kind "${String(o.kind)}"`);
    return;
  }
  if (typeof o[k] !== 'string' || (required && o[k] === '')) fail(`"${k}" must be a ${required ? 'non-empty ' : ''}string`);
}

function allowed(o: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(o)) if (k !== 'kind' && !keys.includes(k)) fail(`unknown field "${k}" for kind "${String(o.kind)}" (allowed: ${keys.join(', ')})`);
}

/** Checks a parsed JSON value is a protocol message definition; throws MessageDefError saying what is wrong. */
export function parseMessageDef(v: unknown): ProtocolMessage {
  if (!isObject(v)) return fail('a message must be a JSON object with a "kind"');
  const o = v;
  switch (o.kind) {
    case 'socket.io':
      allowed(o, ['event', 'args', 'ack', 'namespace']);
      str(o, 'event', true);
      str(o, 'namespace', false);
      if (o.namespace !== undefined && !(o.namespace as string).startsWith('/')) fail('"namespace" must start with "/"');
      if (o.args !== undefined && !Array.isArray(o.args)) fail('"args" must be an array');
      if (o.ack !== undefined && typeof o.ack !== 'boolean') fail('"ack" must be true or false');
      break;
    case 'graphql':
      allowed(o, ['query', 'variables', 'operationName', 'name']);
      str(o, 'query', true);
      str(o, 'operationName', false);
      str(o, 'name', false);
      if (o.variables !== undefined && !isObject(o.variables)) fail('"variables" must be an object');
      break;
    case 'graphql-complete':
      allowed(o, ['of']);
      str(o, 'of', true);
      break;
    case 'signalr':
      allowed(o, ['target', 'arguments', 'invocation']);
      str(o, 'target', true);
      if (o.arguments !== undefined && !Array.isArray(o.arguments)) fail('"arguments" must be an array');
      if (o.invocation !== undefined && !['invoke', 'send', 'stream'].includes(o.invocation as string)) fail('"invocation" must be invoke, send or stream');
      break;
    case 'stomp':
      allowed(o, ['command', 'headers', 'body']);
      str(o, 'command', true);
      str(o, 'body', false);
      if (o.headers !== undefined && (!isObject(o.headers) || Object.values(o.headers).some((h) => typeof h !== 'string'))) fail('"headers" must be an object of strings');
      break;
    case 'mqtt':
      allowed(o, ['packet', 'topic', 'payload', 'qos', 'retain']);
      if (!['publish', 'subscribe', 'unsubscribe'].includes(o.packet as string)) fail('"packet" must be publish, subscribe or unsubscribe');
      str(o, 'topic', true);
      if (o.qos !== undefined && ![0, 1, 2].includes(o.qos as number)) fail('"qos" must be 0, 1 or 2');
      if (o.retain !== undefined && typeof o.retain !== 'boolean') fail('"retain" must be true or false');
      break;
    case 'json-rpc':
      allowed(o, ['method', 'params', 'notification']);
      str(o, 'method', true);
      if (o.params !== undefined && !Array.isArray(o.params) && !isObject(o.params)) fail('"params" must be an array or an object');
      if (o.notification !== undefined && typeof o.notification !== 'boolean') fail('"notification" must be true or false');
      break;
    default:
      fail(`unknown message kind ${JSON.stringify(o.kind)} (one of ${Object.keys(KIND_PROTOCOL).join(', ')})`);
  }
  return o as unknown as ProtocolMessage;
}
