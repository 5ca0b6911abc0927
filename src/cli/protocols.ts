/**
 * The protocol options of `connect` (`--protocol`, `--protocol-options`, `--message`,
 * `--reply-timeout`, `--no-auto-answer`) and the printing of what a ProtocolSession reports:
 * `decoded` on message lines, `exchange` and `unanswered` lines (docs/cli-ndjson.md).
 */
import { KIND_PROTOCOL, MessageDefError, parseMessageDef, type ProtocolMessage } from '../core/protocols/messages';
import { publicDecoded } from '../core/protocols/monitor';
import type { SessionOutput } from '../core/protocols/connectionSession';
import { createDriver } from '../core/protocols/session';
import { isProtocolSetting, PROTOCOLS, type ProtocolSetting } from '../core/protocols/types';
import type { CliIO } from './io';
import { visible, type OutputMode, type Printer } from './output';

/** Usage lines of the protocol options. */
export const PROTOCOL_USAGE = `  --protocol P           auto (default: decode what is recognised, speak nothing), raw, or one of
                         ${PROTOCOLS.join(', ')} (decode, pair, and speak it)
  --protocol-options JSON  the protocol's settings, e.g. '{"namespace":"/chat","auth":{"token":"t"}}'
                         (Socket.IO), '{"connectionParams":{…}}' (GraphQL), '{"clientId":"c","keepalive":30}'
                         (MQTT), '{"login":"u","passcode":"p"}' (STOMP), '{"autoAnswer":false}'
  --no-auto-answer       do not answer the protocol's pings/heartbeats (test server timeouts)
  --message JSON         send a protocol message (repeatable, in order with --send), e.g.
                         '{"kind":"socket.io","event":"chat","args":["hi"],"ack":true}'
  --reply-timeout MS     report a request without a reply after MS as unanswered (default 10000)
`;

/** The protocol part of `connect`'s arguments. */
export interface ProtocolArgs {
  protocol: ProtocolSetting;
  protocolOptions: Record<string, unknown>;
  replyTimeoutMs: number;
}

/** Defaults: auto, no options, 10 s. */
export function defaultProtocolArgs(): ProtocolArgs {
  return { protocol: 'auto', protocolOptions: {}, replyTimeoutMs: 10_000 };
}

/**
 * Handles one command-line option if it is a protocol option: returns a message to send (for
 * `--message`), true when it consumed the option, false when the option is not one of these.
 */
export function parseProtocolOption(a: string, value: () => string, args: ProtocolArgs, usage: (m: string) => Error): ProtocolMessage | boolean {
  switch (a) {
    case '--protocol': {
      const v = value();
      if (!isProtocolSetting(v)) throw usage(`--protocol must be auto, raw or one of ${PROTOCOLS.join(', ')}, got '${v}'`);
      args.protocol = v;
      return true;
    }
    case '--protocol-options': {
      const v = value();
      let o: unknown;
      try {
        o = JSON.parse(v);
      } catch (e) {
        throw usage(`--protocol-options is not JSON: ${(e as Error).message}`);
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw usage('--protocol-options must be a JSON object');
      Object.assign(args.protocolOptions, o);
      return true;
    }
    case '--no-auto-answer':
      args.protocolOptions.autoAnswer = false;
      return true;
    case '--reply-timeout': {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 86_400_000) throw usage(`--reply-timeout must be an integer between 1 and 86400000, got '${v}'`);
      args.replyTimeoutMs = n;
      return true;
    }
    case '--message': {
      const v = value();
      try {
        return parseMessageDef(JSON.parse(v));
      } catch (e) {
        throw usage(`--message ${e instanceof MessageDefError ? '' : 'is not JSON: '}${(e as Error).message}`);
      }
    }
    default:
      return false;
  }
}

/** Checks the messages fit the protocol (after all options are read). */
export function checkProtocolMessages(args: ProtocolArgs, messages: ProtocolMessage[], usage: (m: string) => Error): void {
  if (messages.length === 0) return;
  const p = args.protocol;
  if (p === 'auto' || p === 'raw') throw usage(`--message needs --protocol ${KIND_PROTOCOL[messages[0]!.kind]} (the client speaks a protocol only when told which)`);
  for (const m of messages) if (KIND_PROTOCOL[m.kind] !== p) throw usage(`a "${m.kind}" message cannot be sent with --protocol ${p}`);
  if (!createDriver(p)) throw usage(`sending ${p} messages is not supported yet (decoding is)`);
}

/** Prints a session's output: events (message lines with `decoded`), exchange and unanswered lines. */
export function protocolOutput(printer: Printer, mode: OutputMode, io: CliIO): (o: SessionOutput) => void {
  return (o) => {
    if (o.type === 'event') {
      if (mode === 'ndjson' && o.decoded) printer.event(o.event, { decoded: publicDecoded(o.decoded) });
      else printer.event(o.event);
      if (mode === 'pretty' && o.decoded) io.stdout.write(`    ⤷ ${o.decoded.protocol} ${visible(o.decoded.type)}  ${visible(o.decoded.summary)}\n`); // server text: no terminal escapes
      return;
    }
    if (mode === 'ndjson') printer.line(o);
    else if (mode === 'pretty') {
      io.stdout.write(
        o.type === 'exchange'
          ? `    ⇄ ${o.protocol} ${visible(o.key)}  ${o.latencyMs} ms  (#${o.request} → #${o.response})\n`
          : `    ✖ ${o.protocol} ${visible(o.key)} unanswered after ${o.afterMs} ms${o.closed ? ' (connection ended)' : ''}  (#${o.request})\n`,
      );
    }
  };
}
