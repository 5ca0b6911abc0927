/**
 * `websocket-workbench load <file> --request NAME|--scenario NAME --clients N --ramp S --duration S`
 *
 * N virtual users on this machine, each running the request (connect, messages, expectations,
 * close) or the scenario again and again until the duration ends; a progress line on stderr each
 * second; one NDJSON `summary` line on stdout (docs/cli-ndjson.md, "load"). Exit 0 when nothing
 * failed, 1 when a connection, an expectation or an iteration failed, 2 on bad usage or an invalid file.
 */
import * as path from 'node:path';
import { parseOrUsage, parseValues, single, UsageError, varsValue, type CommandValues, type OptionSpec } from './args';
import type { CliIO } from './io';
import { envSecretResolver } from './run';
import { readCollectionFile } from '../core/collections/fsio';
import { formatDiagnostic } from '../core/collections/parse';
import { planRequest, planTests } from '../core/scenario/plan';
import type { PlannedTest } from '../core/scenario/plan';
import { runLoad } from '../core/scenario/load';

const USAGE = `Usage: websocket-workbench load <file> (--request NAME | --scenario NAME) [options]

Run many virtual users of a request or a scenario at once on this machine and print a summary:
connections opened/failed, messages/s each way, latency of matched expectations (p50/p95/p99/max),
failures by code.

Options:
  --request NAME     each user connects, sends the request's messages, checks their expectations, closes
  --scenario NAME    each user runs the scenario
  --clients N        virtual users (default 10)
  --ramp S           start the users evenly over S seconds (default 0)
  --duration S       keep them running for S seconds (default 10); a user's run still going then is stopped
  --env NAME         environment for every connection
  --var NAME=VALUE   set a variable (repeatable)
  -h, --help         show this help

Secrets ({{secret:name}}) are read from environment variables WSWB_SECRET_<NAME>.
When one machine is not enough: \`websocket-workbench export artillery\`.
`;

const MAX_CLIENTS = 10_000;

function seconds(v: string | undefined, flag: string, fallback: number): number | string {
  if (v === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(v)) return `${flag} must be a number of seconds, got ${v}`;
  return Math.round(Number(v) * 1000);
}

const OPTIONS = {
  request: { type: 'string' },
  scenario: { type: 'string' },
  clients: { type: 'string' },
  ramp: { type: 'string' },
  duration: { type: 'string' },
  env: { type: 'string' },
  var: { type: 'string', multiple: true },
} satisfies OptionSpec;

interface LoadArgs {
  parsed: CommandValues;
  v: { request?: string; scenario?: string; env?: string };
  clients: number;
  ramp: number;
  duration: number;
  vars: Record<string, string>;
}

function parseLoadArgs(argv: string[]): LoadArgs | 'help' {
  const parsed = parseValues(argv, OPTIONS);
  if (parsed === 'help') return parsed;
  const v = parsed.values as LoadArgs['v'] & { clients?: string; ramp?: string; duration?: string };
  single(parsed.positionals, '<file>');
  if ((v.request === undefined) === (v.scenario === undefined)) throw new UsageError('give exactly one of --request NAME or --scenario NAME');
  const clients = v.clients === undefined ? 10 : /^[1-9]\d*$/.test(v.clients) && Number(v.clients) <= MAX_CLIENTS ? Number(v.clients) : NaN;
  if (Number.isNaN(clients)) throw new UsageError(`--clients must be a whole number from 1 to ${MAX_CLIENTS}, got ${v.clients}`);
  const ramp = seconds(v.ramp, '--ramp', 0);
  const duration = seconds(v.duration, '--duration', 10_000);
  if (typeof ramp === 'string') throw new UsageError(ramp);
  if (typeof duration === 'string') throw new UsageError(duration);
  if (duration <= 0) throw new UsageError('--duration must be more than 0');
  return { parsed, v, clients, ramp, duration, vars: varsValue(parsed.lists.var) };
}

export async function load(argv: string[], io: CliIO): Promise<number> {
  const args = parseOrUsage('load', USAGE, io, () => parseLoadArgs(argv));
  if (typeof args === 'number') return args;
  const { parsed, v, clients, ramp, duration, vars } = args;

  const file = path.resolve(io.cwd, parsed.positionals[0]!);
  const doc = await readCollectionFile(file);
  if (!doc.ok || !doc.collection) {
    for (const d of doc.errors) io.stderr.write(`${formatDiagnostic({ ...d, file: parsed.positionals[0]! })} [${d.code}]\n`);
    return 2;
  }
  const c = doc.collection;
  let test: PlannedTest | undefined;
  if (v.scenario !== undefined) test = planTests(c).find((t) => t.kind === 'scenario' && t.name === v.scenario);
  else {
    const i = (c.requests ?? []).findIndex((r) => r.name === v.request);
    if (i >= 0) test = planRequest(c.requests![i]!, i);
  }
  if (!test) {
    const what = v.scenario !== undefined ? `scenario named "${v.scenario}"` : `request named "${v.request}"`;
    io.stderr.write(`websocket-workbench load: no ${what} in ${parsed.positionals[0]} [${v.scenario !== undefined ? 'WSWB_SCENARIO_NOT_FOUND' : 'WSWB_REQUEST_NOT_FOUND'}]\n`);
    return 2;
  }

  const controller = new AbortController();
  const unsubscribe = io.onStop(() => controller.abort());
  const tty = !!(io.stderr as { isTTY?: boolean }).isTTY;
  try {
    const summary = await runLoad(test, {
      collection: c,
      baseDir: path.dirname(file),
      secrets: envSecretResolver(io.env),
      environment: v.env,
      overrides: vars,
      processEnv: io.env,
      clients,
      rampMs: ramp,
      durationMs: duration,
      signal: controller.signal,
      onProgress: (p) => {
        const line = `load: ${(p.elapsedMs / 1000).toFixed(1)} s, ${p.active}/${clients} users, ${p.iterations} runs, ${p.opened} connections (${p.failed} failed), ${p.sent} sent, ${p.received} received`;
        io.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      },
    });
    if (tty) io.stderr.write('\n');
    const ok = summary.connections.failed === 0 && summary.iterations.failed === 0 && !controller.signal.aborted;
    io.stdout.write(JSON.stringify({ type: 'summary', ok, test: test.name, kind: test.kind, ...summary }) + '\n');
    return ok ? 0 : 1;
  } finally {
    unsubscribe();
  }
}
