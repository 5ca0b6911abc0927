/**
 * `websocket-workbench run <file|folder> [--scenario NAME] [--request NAME] [--reporter ndjson|junit|tap]
 *   [--reporter-output FILE] [--parallel N] [--env NAME] [--var NAME=VALUE] [--reply-timeout MS]`
 *
 * Runs the tests of collection files: every scenario, and every saved request with expectations
 * (or only those named). A folder is searched for `*.websocket.json` (not node_modules, not dot
 * folders). Exit 0 when every test passed, 1 when one failed, 2 on bad usage, an invalid file or
 * nothing to run. Secrets come from WSWB_SECRET_<NAME> as for the single-request `run`.
 *
 * src/cli/run.ts hands over here for a folder, a file with scenarios, or any of the flags above that
 * the single-request run does not have.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { intValue, oneOf, parseOrUsage, parseValues, single, UsageError, varsValue } from './args';
import type { CliIO } from './io';
import { envSecretResolver } from './run';
import { readCollectionFile } from '../core/collections/fsio';
import { formatDiagnostic } from '../core/collections/parse';
import type { Collection } from '../core/collections/types';
import { planRequest, planTests } from '../core/scenario/plan';
import type { PlannedTest } from '../core/scenario/plan';
import { runTest } from '../core/scenario/runner';
import type { SessionOutput } from '../core/protocols/connectionSession';
import { PathLocator } from '../core/scenario/locate';
import type { LocatedStep, Reporter, ReportedFile, ReportedTest } from './reporters/types';
import { ndjsonReporter } from './reporters/ndjson';
import { junitReporter } from './reporters/junit';
import { tapReporter } from './reporters/tap';

export const SUITE_USAGE = `Usage: websocket-workbench run <file|folder> [options]

Run the scenarios and the saved requests with expectations of collection files, as tests.
Exit status: 0 all passed, 1 a test failed, 2 bad usage, an invalid file or nothing to run.

Options:
  --scenario NAME         run only this scenario (repeatable)
  --request NAME          run only this request's messages and expectations (repeatable)
  --reporter FORMAT       ndjson (default), junit or tap
  --reporter-output FILE  write the report to FILE (stdout then gets one line per test)
  --parallel N            run up to N tests at once (default 1); tests starting a mock on the
                          same fixed port never overlap
  --env NAME              environment for every connection (a connect step's "env" wins)
  --var NAME=VALUE        set a variable (repeatable)
  --reply-timeout MS      report a protocol request without a reply after MS as unanswered
                          (default 10000)
  -h, --help              show this help

Secrets ({{secret:name}}) are read from environment variables WSWB_SECRET_<NAME>.
`;

const OPTIONS = {
  scenario: { type: 'string', multiple: true },
  request: { type: 'string', multiple: true },
  reporter: { type: 'string' },
  'reporter-output': { type: 'string' },
  parallel: { type: 'string' },
  env: { type: 'string' },
  var: { type: 'string', multiple: true },
  'reply-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags only the suite run has: any of them selects it. */
const SUITE_FLAGS = ['--scenario', '--reporter', '--reporter-output', '--parallel'];

export type ReporterName = 'ndjson' | 'junit' | 'tap';

export interface SuiteArgs {
  target: string;
  scenarios: string[];
  requests: string[];
  reporter: ReporterName;
  reporterOutput?: string;
  parallel: number;
  env?: string;
  vars: Record<string, string>;
  /** How long a protocol request waits for its reply before it is reported unanswered (ms). */
  replyTimeoutMs?: number;
}

/** Parses argv; throws UsageError for bad usage; 'help' for -h/--help. */
export function parseSuiteArgs(argv: string[]): SuiteArgs | 'help' {
  const { help: _help, ...spec } = OPTIONS;
  const parsed = parseValues(argv, spec);
  if (parsed === 'help') return parsed;
  const v = parsed.values as { reporter?: string; 'reporter-output'?: string; parallel?: string; env?: string; 'reply-timeout'?: string };
  const target = single(parsed.positionals, '<file|folder>');
  const reporter = oneOf('--reporter', v.reporter ?? 'ndjson', ['ndjson', 'junit', 'tap'] as const);
  const parallel = v.parallel === undefined ? 1 : intValue('--parallel', v.parallel, 1, 9999);
  const replyTimeoutMs = v['reply-timeout'] === undefined ? undefined : intValue('--reply-timeout', v['reply-timeout'], 1, 86_400_000);
  for (const [flag, value] of [['--reporter-output', v['reporter-output']], ['--env', v.env]] as const) if (value === '') throw new UsageError(`${flag} needs a value`);
  return {
    target,
    scenarios: parsed.lists.scenario ?? [],
    requests: parsed.lists.request ?? [],
    reporter,
    ...(v['reporter-output'] !== undefined ? { reporterOutput: v['reporter-output'] } : {}),
    parallel,
    ...(v.env !== undefined ? { env: v.env } : {}),
    vars: varsValue(parsed.lists.var),
    ...(replyTimeoutMs !== undefined ? { replyTimeoutMs } : {}),
  };
}

/**
 * Whether `run` should run as a suite: a suite-only flag, a folder, or a file with scenarios.
 * Otherwise the single-request run (timeline output) stays as it was.
 */
export function isSuiteRun(argv: string[], cwd: string): boolean {
  if (argv.some((a) => SUITE_FLAGS.includes(a.split('=')[0]!))) return true;
  const parsed = parseArgs({ args: argv, options: { ...OPTIONS, output: { type: 'string' }, transcript: { type: 'string' }, 'no-frames': { type: 'boolean' } }, allowPositionals: true, strict: false });
  const target = parsed.positionals[0];
  if (target === undefined) return false;
  const full = path.resolve(cwd, target);
  try {
    if (fs.statSync(full).isDirectory()) return true;
    const doc = JSON.parse(fs.readFileSync(full, 'utf8')) as { scenarios?: unknown };
    return Array.isArray(doc?.scenarios) && doc.scenarios.length > 0;
  } catch {
    return false;
  }
}

/** `*.websocket.json` under a folder, sorted, skipping node_modules and dot folders. */
export function findCollectionFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        walk(path.join(d, e.name));
      } else if (e.isFile() && e.name.endsWith('.websocket.json')) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

function makeReporter(name: ReporterName): Reporter {
  return name === 'junit' ? junitReporter() : name === 'tap' ? tapReporter() : ndjsonReporter();
}

interface LoadedFile {
  full: string;
  shown: string;
  collection: Collection;
  locator: PathLocator;
  tests: PlannedTest[];
}

/** Fixed ports of the mocks a test starts: two tests holding one never run at the same time. */
function portsOf(t: PlannedTest, c: Collection): string[] {
  const out: string[] = [];
  const visit = (steps: PlannedTest['steps']) => {
    for (const s of steps) {
      if (s.step.startMock !== undefined) {
        const m = (c.mocks ?? []).find((x) => x.name === s.step.startMock);
        if (m?.port) out.push(`${m.host ?? '127.0.0.1'}:${m.port}`);
      }
      if (s.children) visit(s.children);
    }
  };
  visit(t.steps);
  return out;
}

/** `websocket-workbench run` as a suite. */
export async function runSuite(argv: string[], io: CliIO): Promise<number> {
  const args = parseOrUsage('run', SUITE_USAGE, io, () => parseSuiteArgs(argv));
  if (typeof args === 'number') return args;
  const fail = (msg: string, code: string) => {
    io.stderr.write(`websocket-workbench run: ${msg} [${code}]\n`);
    return 2;
  };
  const target = path.resolve(io.cwd, args.target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return fail(`cannot read ${args.target}`, 'WSWB_FILE_READ');
  }
  const fullPaths = stat.isDirectory() ? findCollectionFiles(target) : [target];
  if (!fullPaths.length) return fail(`no *.websocket.json files in ${args.target}`, 'WSWB_NO_TESTS');
  const shown = (full: string) => {
    const rel = path.relative(io.cwd, full);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : full;
  };

  // Every file is read and checked before anything runs: an invalid file is exit 2, not a failed test.
  const files: LoadedFile[] = [];
  let invalid = false;
  for (const full of fullPaths) {
    const parsed = await readCollectionFile(full);
    if (!parsed.ok || !parsed.collection) {
      invalid = true;
      for (const d of parsed.errors) io.stderr.write(`${formatDiagnostic({ ...d, file: shown(full) })} [${d.code}]\n`);
      continue;
    }
    const all = planTests(parsed.collection);
    const selected = args.scenarios.length || args.requests.length
      ? all.filter((t) => (t.kind === 'scenario' ? args.scenarios.includes(t.name) : args.requests.includes(t.name)))
      : all;
    // A request named with --request runs even without expectations (connect, send, close).
    if (args.requests.length) {
      (parsed.collection.requests ?? []).forEach((r, i) => {
        if (args.requests.includes(r.name) && !selected.some((t) => t.kind === 'request' && t.name === r.name)) selected.push(planRequest(r, i));
      });
    }
    files.push({ full, shown: shown(full), collection: parsed.collection, locator: new PathLocator(parsed.text ?? ''), tests: selected });
  }
  if (invalid) return 2;
  for (const name of args.scenarios) if (!files.some((f) => f.tests.some((t) => t.kind === 'scenario' && t.name === name))) return fail(`no scenario named "${name}" in ${args.target}`, 'WSWB_SCENARIO_NOT_FOUND');
  for (const name of args.requests) if (!files.some((f) => f.tests.some((t) => t.kind === 'request' && t.name === name))) return fail(`no request named "${name}" in ${args.target}`, 'WSWB_REQUEST_NOT_FOUND');
  const total = files.reduce((n, f) => n + f.tests.length, 0);
  if (total === 0) return fail(`nothing to run in ${args.target}: no scenarios and no messages with expectations`, 'WSWB_NO_TESTS');

  const reporter = makeReporter(args.reporter);
  let sink: fs.WriteStream | undefined;
  if (args.reporterOutput !== undefined) {
    const out = path.resolve(io.cwd, args.reporterOutput);
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      sink = fs.createWriteStream(out);
      await new Promise<void>((resolve, reject) => {
        sink!.once('open', () => resolve());
        sink!.once('error', reject);
      });
    } catch (err) {
      return fail(`cannot write ${args.reporterOutput}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'WSWB_REPORT_WRITE');
    }
  }
  const write = (s: string) => {
    if (!s) return;
    if (sink) sink.write(s);
    else io.stdout.write(s);
  };

  const controller = new AbortController();
  const unsubscribe = io.onStop(() => controller.abort());
  const startedAt = Date.now();
  const secrets = envSecretResolver(io.env);
  write(reporter.start(files.map((f) => ({ file: f.shown, name: f.collection.name, tests: f.tests.map((t) => ({ name: t.name, kind: t.kind })) }))));

  const results = new Map<LoadedFile, Array<{ order: number; test: ReportedTest }>>(files.map((f) => [f, []]));
  const queue = files.flatMap((f) => f.tests.map((t, order) => ({ f, t, order, ports: portsOf(t, f.collection) })));
  const busy = new Set<string>();
  let passed = 0;
  let failed = 0;

  const runOne = async (job: (typeof queue)[number]): Promise<void> => {
    const { f, t } = job;
    const locate = (s: { path: Array<string | number> }) => f.locator.locate(s.path);
    const r = await runTest(t, {
      collection: f.collection,
      baseDir: path.dirname(f.full),
      secrets,
      environment: args.env,
      overrides: args.vars,
      processEnv: io.env,
      signal: controller.signal,
      ...(args.replyTimeoutMs !== undefined ? { replyTimeoutMs: args.replyTimeoutMs } : {}),
      // Decoded messages, pairs and unanswered requests of the test's connections (ndjson only).
      ...(reporter.protocol ? { onProtocol: (o: SessionOutput, source: string) => write(reporter.protocol!({ file: f.shown, name: t.name }, source, o)) } : {}),
      onStep: (s) => {
        const at = locate(s);
        write(reporter.step({ file: f.shown, name: t.name }, { ...s, file: f.shown, line: at.line, column: at.column }));
      },
    });
    const located = (s: typeof r.steps[number]): LocatedStep => {
      const at = locate(s);
      return { ...s, file: f.shown, line: at.line, column: at.column };
    };
    const { failure, steps, ...rest } = r;
    const reported: ReportedTest = { ...rest, file: f.shown, location: f.locator.locate(t.path), steps: steps.map(located), ...(failure ? { failure: located(failure) } : {}) };
    results.get(f)!.push({ order: job.order, test: reported });
    if (r.ok) passed++;
    else failed++;
    write(reporter.testEnd(reported));
    if (sink) {
      const where = reported.failure ? ` — ${reported.failure.file}:${reported.failure.line}:${reported.failure.column} ${reported.failure.label}: ${reported.failure.message}` : '';
      io.stdout.write(`${r.ok ? 'PASS' : 'FAIL'} ${f.shown} › ${t.name} (${r.durationMs} ms)${where}\n`);
    }
  };

  // A small pool: up to `parallel` tests at once, in file order, skipping past tests whose mock port is in use.
  await new Promise<void>((resolve) => {
    let running = 0;
    const pump = () => {
      if (!queue.length && running === 0) return resolve();
      while (running < args.parallel && queue.length) {
        const i = queue.findIndex((j) => j.ports.every((p) => !busy.has(p)));
        if (i < 0) break;
        const [job] = queue.splice(i, 1);
        running++;
        for (const p of job!.ports) busy.add(p);
        void runOne(job!).finally(() => {
          running--;
          for (const p of job!.ports) busy.delete(p);
          pump();
        });
      }
    };
    pump();
  });
  unsubscribe();

  const reportedFiles: ReportedFile[] = files.map((f) => ({
    file: f.shown,
    name: f.collection.name,
    tests: results.get(f)!.sort((a, b) => a.order - b.order).map((x) => x.test),
  }));
  write(reporter.end(reportedFiles, { tests: total, passed, failed, durationMs: Date.now() - startedAt, startedAt }));
  if (sink) {
    await new Promise<void>((resolve) => sink!.end(() => resolve()));
    io.stdout.write(`${failed ? 'FAIL' : 'PASS'} ${passed} passed, ${failed} failed; report: ${args.reporterOutput}\n`);
  }
  if (controller.signal.aborted) return 1;
  return failed ? 1 : 0;
}
