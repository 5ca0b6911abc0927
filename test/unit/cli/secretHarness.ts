/**
 * Test helper for the secret-leak tests: runs a one-request collection that uses a secret, through
 * `run` (NDJSON or pretty, with a transcript) and through the core the extension uses (Connection,
 * then a HAR export and a panel-style transcript export with the secrets masked, and the error
 * text the extension logs), and returns every text produced. Real sockets on 127.0.0.1, real files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../../src/cli/run';
import { Connection } from '../../../src/core/engine/connection';
import type { TimelineEvent } from '../../../src/core/engine/events';
import { exportHar } from '../../../src/core/collections/har';
import { makeHeader, serializeTranscript } from '../../../src/core/collections/transcript';
import { messagePayload, redact, redactedRequest, resolveRequest, resolveVariables, toConnectionOptions } from '../../../src/core/collections/variables';
import type { Collection, RequestDef } from '../../../src/core/collections/types';
import { captureIO } from '../collections/fixtures/captureIO';
import { assertNoLeak } from '../collections/fixtures/leaks';

let seq = 0;

/** Secrets as `WSWB_SECRET_<NAME>` environment variables, as `run` reads them. */
export function secretEnv(secrets: Record<string, string>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`WSWB_SECRET_${k.toUpperCase()}`, v]));
}

/** What one `run` printed and recorded. */
export interface RunOutputs {
  code: number;
  stdout: string;
  stderr: string;
  transcript: string;
}

/** Writes the request into a collection file in `dir` and runs it. */
export async function runRequest(dir: string, request: RequestDef, secrets: Record<string, string>, mode: 'ndjson' | 'pretty' = 'ndjson'): Promise<RunOutputs> {
  const n = ++seq;
  const file = path.join(dir, `leak${n}.websocket.json`);
  const tr = path.join(dir, `leak${n}.ndjson`);
  fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'leaks', requests: [request] }, null, 2));
  const io = captureIO(dir, secretEnv(secrets));
  const code = await run([file, '--output', mode, '--transcript', tr], io);
  const transcript = fs.existsSync(tr) ? fs.readFileSync(tr, 'utf8') : '';
  return { code, stdout: io.out(), stderr: io.err(), transcript };
}

/** What the extension's path produces: HAR and panel exports, and the log line of a failure. */
export interface CoreOutputs {
  har: string;
  exported: string;
  log: string;
  events: TimelineEvent[];
}

/**
 * Resolves and connects with the core the way the extension does, sends the request's messages,
 * waits for the echoes and exports with the secrets masked (as the panel's export and the
 * workflow's recorder do).
 */
export async function recordWithCore(dir: string, request: RequestDef, secrets: Record<string, string>): Promise<CoreOutputs> {
  const collection: Collection = { version: 1, name: 'leaks', requests: [request] };
  const resolved = await resolveVariables(collection, request, { secrets: { get: async (name) => secrets[name] } });
  let log = '';
  let conn: Connection | undefined;
  try {
    const options = toConnectionOptions(request, resolved, { baseDir: dir });
    const payloads = (resolveRequest(request, resolved).messages ?? []).map((m) => messagePayload(m, resolved));
    conn = new Connection({ ...options, proxy: options.proxy ?? 'none', handshakeTimeoutMs: 3000, closeTimeoutMs: 500 }, { env: {} });
    await conn.connect();
    let echoes = 0;
    const done = new Promise<void>((resolve) => {
      if (!payloads.length) resolve();
      conn!.onEvent((e) => {
        if (e.kind === 'message' && e.dir === 'in' && ++echoes === payloads.length) resolve();
      });
    });
    for (const p of payloads) {
      if (p.binary) conn.sendBinary(p.data);
      else conn.sendText(p.text);
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
    await conn.close(1000, '');
  } catch (err) {
    // What the workflow writes to its log and shows in a notification.
    log = redact(`${(err as { code?: string }).code ?? 'ERROR'} ${(err as Error).message}`, resolved);
  }
  const events = conn ? conn.store.slice(0, conn.store.length) : [];
  conn?.dispose();
  const tool = { name: 'test', version: '0' };
  const har = JSON.stringify(exportHar(events, { creator: tool, secrets: resolved.secretValues }));
  let concrete: unknown = request;
  try {
    concrete = redactedRequest(request, resolved);
  } catch {
    /* unresolved: the template itself */
  }
  const exported = serializeTranscript({ header: makeHeader({ request: concrete, tool }), events: events.map((e) => redact(e, resolved)) });
  return { har, exported, log, events };
}

/** Throws when any output of a run or of the core's exports reveals the secret in any form. */
export function assertHidden(secret: string, r: RunOutputs, core: CoreOutputs, mode = 'ndjson'): void {
  assertNoLeak(r.stdout, secret, `run --output ${mode}`);
  assertNoLeak(r.stderr, secret, 'stderr');
  assertNoLeak(r.transcript, secret, 'run transcript');
  assertNoLeak(core.har, secret, 'exportHar');
  assertNoLeak(core.exported, secret, 'panel export');
  assertNoLeak(core.log, secret, 'log line');
}
