/**
 * `--reporter ndjson` (the default): one JSON object per line as the run goes (docs/cli-ndjson.md,
 * "run: test results"): `run-start`, `step`, `test`, then `summary`; with protocols, `decoded`,
 * `exchange` and `unanswered` lines as they happen.
 */
import type { Reporter } from './types';

const line = (o: object) => JSON.stringify(o) + '\n';

export function ndjsonReporter(): Reporter {
  return {
    start(files) {
      return line({ type: 'run-start', files: files.map((f) => ({ file: f.file, name: f.name, tests: f.tests.map((t) => ({ name: t.name, kind: t.kind })) })) });
    },
    step(test, s) {
      const o: Record<string, unknown> = { type: 'step', file: test.file, test: test.name, action: s.action, label: s.label, ok: s.ok, elapsedMs: s.elapsedMs, line: s.line, column: s.column };
      if (s.on !== undefined) o.on = s.on;
      for (const k of ['message', 'code', 'expected', 'actual'] as const) if (s[k] !== undefined) o[k] = s[k];
      return line(o);
    },
    protocol(test, connection, o) {
      const where = { file: test.file, test: test.name, connection };
      if (o.type !== 'event') return line({ ...o, ...where });
      const e = o.event;
      if (!o.decoded || e.kind !== 'message') return '';
      return line({ type: 'decoded', ...where, message: e.id, dir: e.dir, decoded: o.decoded });
    },
    testEnd(t) {
      const o: Record<string, unknown> = { type: 'test', file: t.file, test: t.name, kind: t.kind, ok: t.ok, durationMs: t.durationMs, line: t.location.line, column: t.location.column };
      if (t.skipped) o.skipped = t.skipped;
      if (t.failure) {
        const f = t.failure;
        o.failure = { label: f.label, message: f.message, code: f.code, line: f.line, column: f.column, ...(f.expected !== undefined ? { expected: f.expected } : {}), ...(f.actual !== undefined ? { actual: f.actual } : {}) };
      }
      return line(o);
    },
    end(_files, totals) {
      return line({ type: 'summary', ok: totals.failed === 0, tests: totals.tests, passed: totals.passed, failed: totals.failed, durationMs: totals.durationMs });
    },
  };
}
