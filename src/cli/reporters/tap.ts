/**
 * `--reporter tap`: TAP version 14. The plan comes first (every test is known before the run), one
 * `ok` / `not ok` line per test as it ends, and for a failure a YAML block with the step, where it
 * is in the file, expected and actual.
 */
import type { Reporter } from './types';

/** A YAML scalar for a TAP diagnostic block: plain when safe, else a JSON string (valid YAML). */
function yamlValue(v: string | number): string {
  if (typeof v === 'number') return String(v);
  return /^[A-Za-z0-9 _./:()-]*$/.test(v) && !/^[\s-]|\s$|: /.test(v) && v !== '' ? v : JSON.stringify(v);
}

/** A test description cannot hold `#` (directive) or a newline. */
const desc = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/#/g, '\\#');

export function tapReporter(): Reporter {
  let n = 0;
  return {
    start(files) {
      const count = files.reduce((k, f) => k + f.tests.length, 0);
      return `TAP version 14\n1..${count}\n`;
    },
    step() {
      return '';
    },
    testEnd(t) {
      n++;
      const head = `${t.ok ? 'ok' : 'not ok'} ${n} - ${desc(`${t.file} › ${t.name}`)} # time=${t.durationMs}ms\n`;
      if (t.ok || !t.failure) return head;
      const f = t.failure;
      const rows: Array<[string, string | number]> = [
        ['message', f.message ?? 'failed'],
        ['severity', 'fail'],
        ['step', f.label],
        ['code', f.code ?? 'WSWB_STEP_FAILED'],
        ['file', f.file],
        ['line', f.line],
        ['column', f.column],
        ['elapsedMs', f.elapsedMs],
      ];
      if (f.expected !== undefined) rows.push(['expected', f.expected]);
      if (f.actual !== undefined) rows.push(['actual', f.actual]);
      return head + '  ---\n' + rows.map(([k, v]) => `  ${k}: ${yamlValue(v)}\n`).join('') + '  ...\n';
    },
    end(_files, totals) {
      return `# tests ${totals.tests}\n# pass ${totals.passed}\n# fail ${totals.failed}\n`;
    },
  };
}
