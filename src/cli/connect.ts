/**
 * `websocket-workbench connect <url>` — connect, send in order, wait for traffic, close, and print
 * every event (NDJSON by default when stdout is not a terminal). Exit codes: 0 clean close,
 * 1 connection or protocol error (or an unclean close, or a signal while connecting), 2 bad usage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection, type ConnectionOptions } from '../core/engine/connection';
import type { HeaderPair, TimelineEvent } from '../core/engine/events';
import { hexToBytes } from '../core/protocol/hexdump';
import type { CliIO } from './io';
import { ProtocolSession } from '../core/protocols/connectionSession';
import type { ProtocolMessage } from '../core/protocols/messages';
import { checkProtocolMessages, defaultProtocolArgs, parseProtocolOption, protocolOutput, PROTOCOL_USAGE, type ProtocolArgs } from './protocols';
import { CODEC_USAGE, codecMessageOf, loadCliCodecs, parseCodecRule } from './codecs';
import { encodeCodecMessage } from '../core/codecs/encode';
import type { CodecMessage, CodecRule } from '../core/codecs/types';
import type { CodecSet } from '../core/codecs/bindings';
import { createPrinter, type OutputMode } from './output';
import { intValue, outputValue, parseCommandLine, parseOrUsage, single, UsageError, type OptionSpec } from './args';

const USAGE = `Usage: websocket-workbench connect <url> [options]

Connects, sends in order after open, waits for traffic, closes, and prints every event.

Options:
  --header "K: V"        add a request header (repeatable)
  --subprotocol P        offer a subprotocol (repeatable)
  --origin O             send an Origin header
  --insecure             do not verify the server's TLS certificate
  --ca FILE              trust this CA certificate (PEM)
  --cert FILE --key FILE present a client certificate (PEM)
  --proxy URL            HTTP CONNECT proxy (default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY; "none" to disable)
  --deflate              offer permessage-deflate
  --send TEXT            send a text message (repeatable, in order with --send-hex/--send-file)
  --send-hex HEX         send a binary message given as hex
  --send-file FILE       send a file's bytes as a binary message
  --ping [PAYLOAD]       send a ping (and report the round-trip time)
  --close CODE[:REASON]  close with this code and reason (default 1000)
  --wait MS              wait this long for traffic after sending (default 1000)
  --handshake-timeout MS give up on the opening handshake after MS (default 10000)
  --output ndjson|pretty|none   (default: pretty on a terminal, ndjson otherwise)
${PROTOCOL_USAGE}${CODEC_USAGE}
SIGINT/SIGTERM while connecting aborts the attempt (exit 1); once open, closes with --close
(a second signal drops the connection).

Exit status: 0 on a clean close, 1 on a connection or protocol error, 2 on bad usage.
`;

type Step = { kind: 'text'; text: string } | { kind: 'binary'; data: Uint8Array } | { kind: 'ping'; payload: Uint8Array } | { kind: 'message'; message: ProtocolMessage } | { kind: 'codec'; message: CodecMessage };

/** Parsed command line. */
export interface ConnectArgs {
  url: string;
  options: ConnectionOptions;
  steps: Step[];
  close: { code: number; reason: string };
  waitMs: number;
  output: OutputMode;
  protocol: ProtocolArgs;
  /** `--codec` rules (loaded before connecting). */
  codecs: CodecRule[];
}

const OPTIONS = {
  header: { type: 'string' },
  subprotocol: { type: 'string' },
  origin: { type: 'string' },
  insecure: { type: 'boolean' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  proxy: { type: 'string' },
  deflate: { type: 'boolean' },
  send: { type: 'string' },
  'send-hex': { type: 'string' },
  'send-file': { type: 'string' },
  ping: { type: 'string' },
  close: { type: 'string' },
  wait: { type: 'string' },
  'handshake-timeout': { type: 'string' },
  output: { type: 'string' },
  protocol: { type: 'string' },
  'protocol-options': { type: 'string' },
  'no-auto-answer': { type: 'boolean' },
  'reply-timeout': { type: 'string' },
  message: { type: 'string' },
  codec: { type: 'string' },
} satisfies OptionSpec;

const WS_URL = /^(wss?|https?):\/\//i;

/** Parses argv (after `connect`); throws UsageError for bad usage; 'help' for -h/--help. */
export function parseConnectArgs(argv: string[], io: CliIO): ConnectArgs | 'help' {
  // `--ping` takes the next argument as its payload unless it is an option or, before the URL, a URL.
  const tokens = parseCommandLine(argv, OPTIONS, { optionalValue: { ping: (next, urlSeen) => next !== undefined && !next.startsWith('--') && (urlSeen || !WS_URL.test(next)) } });
  if (tokens === 'help') return 'help';
  const headers: HeaderPair[] = [];
  const subprotocols: string[] = [];
  const steps: Step[] = [];
  const tlsOpts: NonNullable<ConnectionOptions['tls']> = {};
  let origin: string | undefined;
  let proxy: string | undefined;
  let deflate = false;
  let close = { code: 1000, reason: '' };
  let waitMs = 1000;
  let handshakeTimeoutMs = 10_000;
  let output: OutputMode = io.stdout.isTTY ? 'pretty' : 'ndjson';
  const protocol = defaultProtocolArgs();
  const codecs: CodecRule[] = [];
  const readFile = (f: string, what: string) => {
    try {
      return fs.readFileSync(path.resolve(io.cwd, f));
    } catch (e) {
      throw new UsageError(`cannot read ${what} ${f}: ${(e as Error).message}`);
    }
  };
  for (const t of tokens.options) {
    const v = t.value ?? '';
    switch (t.name as keyof typeof OPTIONS) {
      case 'header': {
        const c = v.indexOf(':');
        if (c <= 0) throw new UsageError(`--header expects "Name: value", got '${v}'`);
        headers.push([v.slice(0, c).trim(), v.slice(c + 1).trim()]);
        break;
      }
      case 'subprotocol':
        subprotocols.push(v);
        break;
      case 'origin':
        origin = v;
        break;
      case 'insecure':
        tlsOpts.rejectUnauthorized = false;
        break;
      case 'ca':
        tlsOpts.ca = readFile(v, 'CA file').toString('utf8');
        break;
      case 'cert':
        tlsOpts.cert = readFile(v, 'certificate file').toString('utf8');
        break;
      case 'key':
        tlsOpts.key = readFile(v, 'key file').toString('utf8');
        break;
      case 'proxy':
        proxy = v;
        break;
      case 'deflate':
        deflate = true;
        break;
      case 'send':
        steps.push({ kind: 'text', text: v });
        break;
      case 'send-hex':
        try {
          steps.push({ kind: 'binary', data: hexToBytes(v) });
        } catch (e) {
          throw new UsageError(`--send-hex: ${(e as Error).message}`);
        }
        break;
      case 'send-file':
        steps.push({ kind: 'binary', data: readFile(v, 'file') });
        break;
      case 'ping':
        steps.push({ kind: 'ping', payload: Buffer.from(v, 'utf8') });
        break;
      case 'close': {
        const m = /^(\d+)(?::(.*))?$/s.exec(v);
        if (!m) throw new UsageError(`--close expects CODE[:REASON], got '${v}'`);
        close = { code: intValue('--close code', m[1], 0, 65535), reason: m[2] ?? '' };
        break;
      }
      case 'wait':
        waitMs = intValue('--wait', v, 0, 86_400_000);
        break;
      case 'handshake-timeout':
        handshakeTimeoutMs = intValue('--handshake-timeout', v, 1, 3_600_000);
        break;
      case 'output':
        output = outputValue(v);
        break;
      case 'codec':
        try {
          codecs.push(parseCodecRule(v));
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        break;
      default: {
        // A codec kind (msgpack, cbor, protobuf) is sent as binary whatever the protocol (src/cli/codecs.ts).
        if (t.name === 'message') {
          let c: CodecMessage | undefined;
          try {
            c = codecMessageOf(v);
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
          if (c) {
            steps.push({ kind: 'codec', message: c });
            break;
          }
        }
        // --protocol, --protocol-options, --no-auto-answer, --reply-timeout, --message (src/cli/protocols.ts).
        const p = parseProtocolOption(`--${t.name}`, () => v, protocol, (m) => new UsageError(m));
        if (typeof p === 'object') steps.push({ kind: 'message', message: p });
      }
    }
  }
  checkProtocolMessages(protocol, steps.flatMap((s) => (s.kind === 'message' ? [s.message] : [])), (m) => new UsageError(m));
  const url = single(tokens.positionals, 'the URL');
  if (!WS_URL.test(url)) throw new UsageError(`the URL must start with ws:// or wss://, got '${url}'`);
  // A URL that cannot be parsed (port above 65535, bad host) is bad usage (exit 2), not a failed connection.
  assertValidUrl(url, 'the URL');
  if (proxy !== undefined && proxy !== 'none' && proxy !== 'env') assertValidUrl(proxy, '--proxy');
  if ((tlsOpts.cert === undefined) !== (tlsOpts.key === undefined)) throw new UsageError('--cert and --key go together');
  const options: ConnectionOptions = {
    url,
    headers,
    subprotocols,
    deflate,
    handshakeTimeoutMs,
    proxy: proxy ?? 'env',
    ...(origin !== undefined ? { origin } : {}),
    ...(Object.keys(tlsOpts).length ? { tls: tlsOpts } : {}),
  };
  return { url, options, steps, close, waitMs, output, protocol, codecs };
}

function assertValidUrl(url: string, what: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${what} is not a valid URL (check the host and that the port is 1-65535): '${url}'`);
  }
  if (u.port === '0') throw new UsageError(`${what} has port 0: '${url}'`);
}

/** Runs `connect`; returns the exit code. */
export async function connect(argv: string[], io: CliIO): Promise<number> {
  const args = parseOrUsage('connect', USAGE, io, () => parseConnectArgs(argv, io));
  if (typeof args === 'number') return args;
  const printer = createPrinter(args.output, io);
  let codecs: CodecSet | undefined;
  let steps: Step[] = args.steps;
  try {
    if (args.codecs.length || steps.some((s) => s.kind === 'codec' && s.message.kind === 'protobuf')) codecs = await loadCliCodecs(args.codecs, io.cwd);
    // Codec messages are encoded before connecting: bad data is bad usage, not a half-run session.
    steps = steps.map((s) => (s.kind === 'codec' ? { kind: 'binary', data: encodeCodecMessage(s.message, s.message.kind === 'protobuf' ? codecs?.schemasFor(s.message.type) : undefined) } : s));
  } catch (e) {
    io.stderr.write(`websocket-workbench connect: ${(e as Error).message}\n`);
    return 2;
  }
  const session = new ProtocolSession(args.protocol.protocol, { protocolOptions: args.protocol.protocolOptions, replyTimeoutMs: args.protocol.replyTimeoutMs, ...(codecs ? { codecs } : {}) });
  const conn = new Connection(session.prepare(args.options), { env: io.env, id: 'c1' });
  session.attach(conn, protocolOutput(printer, args.output, io));
  let errors = 0;
  let closeEvent: Extract<TimelineEvent, { kind: 'close' }> | undefined;
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((r) => (closedResolve = r));
  conn.onEvent((e) => {
    if (e.kind === 'error') errors++;
    if (e.kind === 'close') {
      closeEvent = e;
      closedResolve();
    }
  });
  let stopped = false;
  let wake: () => void = () => undefined;
  const offStop = io.onStop(() => {
    // While connecting, or at a second signal, there is nothing to close gracefully: stop now.
    // (At the first signal once open, the connection is closed with --close as usual.)
    if (stopped || conn.state === 'connecting') conn.terminate();
    stopped = true;
    wake();
  });
  try {
    try {
      await conn.connect();
    } catch {
      await Promise.race([closed, delay(2000)]);
      return 1;
    }
    if (session.driver) {
      // The protocol's own handshake (Engine.IO open + namespace CONNECT, connection_init → ack).
      const failed = await Promise.race([session.ready().then(() => undefined, (e: Error) => e), closed.then(() => undefined), delay(args.options.handshakeTimeoutMs ?? 10_000).then(() => new Error(`the ${args.protocol.protocol} session was not ready within the handshake timeout`))]);
      if (failed) {
        conn.info(`protocol session failed: ${failed.message}`, { code: (failed as { code?: string }).code ?? 'WSWB_PROTO_TIMEOUT' });
        errors++;
      }
    }
    for (const s of steps) {
      if (stopped || conn.state !== 'open' || (session.driver && !session.driver.isReady)) break;
      if (s.kind === 'message') {
        try {
          await session.send(s.message);
        } catch (e) {
          conn.info(`protocol message not sent: ${(e as Error).message}`, { code: (e as { code?: string }).code ?? 'WSWB_PROTO_SEND' });
          errors++;
          break;
        }
      } else if (s.kind === 'text') conn.sendText(s.text);
      else if (s.kind === 'binary') conn.sendBinary(s.data);
      else if (s.kind === 'ping') conn.ping(s.payload);
    }
    if (!stopped && conn.state === 'open') {
      await Promise.race([closed, new Promise<void>((r) => { wake = r; }), delay(args.waitMs)]);
    }
    if (conn.state !== 'closed') await conn.close(args.close.code, args.close.reason);
    await Promise.race([closed, delay(100)]);
    return errors === 0 && closeEvent?.wasClean ? 0 : 1;
  } finally {
    offStop();
    session.dispose();
    conn.dispose();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    t.unref?.();
  });
}
