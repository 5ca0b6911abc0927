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
import { createPrinter, isOutputMode, visible, type OutputMode } from './output';

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
${PROTOCOL_USAGE}
SIGINT/SIGTERM while connecting aborts the attempt (exit 1); once open, closes with --close
(a second signal drops the connection).

Exit status: 0 on a clean close, 1 on a connection or protocol error, 2 on bad usage.
`;

type Step = { kind: 'text'; text: string } | { kind: 'binary'; data: Uint8Array } | { kind: 'ping'; payload: Uint8Array } | { kind: 'message'; message: ProtocolMessage };

/** Parsed command line. */
export interface ConnectArgs {
  url: string;
  options: ConnectionOptions;
  steps: Step[];
  close: { code: number; reason: string };
  waitMs: number;
  output: OutputMode;
  protocol: ProtocolArgs;
}

class UsageError extends Error {}

/** Parses argv (after `connect`); throws UsageError with a message for bad usage. */
export function parseConnectArgs(argv: string[], io: CliIO): ConnectArgs {
  let url: string | undefined;
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
  const readFile = (f: string, what: string) => {
    try {
      return fs.readFileSync(path.resolve(io.cwd, f));
    } catch (e) {
      throw new UsageError(`cannot read ${what} ${f}: ${(e as Error).message}`);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const num = (name: string, v: string, min: number, max: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer between ${min} and ${max}, got '${v}'`);
      return n;
    };
    switch (a) {
      case '--header': {
        const v = value();
        const c = v.indexOf(':');
        if (c <= 0) throw new UsageError(`--header expects "Name: value", got '${v}'`);
        headers.push([v.slice(0, c).trim(), v.slice(c + 1).trim()]);
        break;
      }
      case '--subprotocol':
        subprotocols.push(value());
        break;
      case '--origin':
        origin = value();
        break;
      case '--insecure':
        tlsOpts.rejectUnauthorized = false;
        break;
      case '--ca':
        tlsOpts.ca = readFile(value(), 'CA file').toString('utf8');
        break;
      case '--cert':
        tlsOpts.cert = readFile(value(), 'certificate file').toString('utf8');
        break;
      case '--key':
        tlsOpts.key = readFile(value(), 'key file').toString('utf8');
        break;
      case '--proxy':
        proxy = value();
        break;
      case '--deflate':
        deflate = true;
        break;
      case '--send':
        steps.push({ kind: 'text', text: value() });
        break;
      case '--send-hex': {
        const v = value();
        try {
          steps.push({ kind: 'binary', data: hexToBytes(v) });
        } catch (e) {
          throw new UsageError(`--send-hex: ${(e as Error).message}`);
        }
        break;
      }
      case '--send-file':
        steps.push({ kind: 'binary', data: readFile(value(), 'file') });
        break;
      case '--ping': {
        const next = argv[i + 1];
        const hasPayload = next !== undefined && !next.startsWith('--') && !(url === undefined && /^(wss?|https?):\/\//i.test(next));
        steps.push({ kind: 'ping', payload: hasPayload ? Buffer.from(argv[++i]!, 'utf8') : new Uint8Array(0) });
        break;
      }
      case '--close': {
        const v = value();
        const m = /^(\d+)(?::(.*))?$/s.exec(v);
        if (!m) throw new UsageError(`--close expects CODE[:REASON], got '${v}'`);
        close = { code: num('--close code', m[1]!, 0, 65535), reason: m[2] ?? '' };
        break;
      }
      case '--wait':
        waitMs = num('--wait', value(), 0, 86_400_000);
        break;
      case '--handshake-timeout':
        handshakeTimeoutMs = num('--handshake-timeout', value(), 1, 3_600_000);
        break;
      case '--output': {
        const v = value();
        if (!isOutputMode(v)) throw new UsageError(`--output must be ndjson, pretty or none, got '${v}'`);
        output = v;
        break;
      }
      default: {
        const p = parseProtocolOption(a, value, protocol, (m) => new UsageError(m));
        if (typeof p === 'object') steps.push({ kind: 'message', message: p });
        if (p !== false) break;
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
        if (url !== undefined) throw new UsageError(`unexpected argument '${a}' (the URL is '${url}')`);
        url = a;
      }
    }
  }
  checkProtocolMessages(protocol, steps.flatMap((s) => (s.kind === 'message' ? [s.message] : [])), (m) => new UsageError(m));
  if (!url) throw new UsageError('a URL is required');
  if (!/^(wss?|https?):\/\//i.test(url)) throw new UsageError(`the URL must start with ws:// or wss://, got '${url}'`);
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
  return { url, options, steps, close, waitMs, output, protocol };
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
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  let args: ConnectArgs;
  try {
    args = parseConnectArgs(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`websocket-workbench connect: ${visible(e.message)}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const printer = createPrinter(args.output, io);
  const session = new ProtocolSession(args.protocol.protocol, { protocolOptions: args.protocol.protocolOptions, replyTimeoutMs: args.protocol.replyTimeoutMs });
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
        conn.info(`protocol session failed: ${failed.message}`, { code: (failed as { code?: string }).code ?? 'PROTOCOL_TIMEOUT' });
        errors++;
      }
    }
    for (const s of args.steps) {
      if (stopped || conn.state !== 'open' || (session.driver && !session.driver.isReady)) break;
      if (s.kind === 'message') {
        try {
          await session.send(s.message);
        } catch (e) {
          conn.info(`protocol message not sent: ${(e as Error).message}`, { code: (e as { code?: string }).code ?? 'PROTOCOL_SEND' });
          errors++;
          break;
        }
      } else if (s.kind === 'text') conn.sendText(s.text);
      else if (s.kind === 'binary') conn.sendBinary(s.data);
      else conn.ping(s.payload);
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
