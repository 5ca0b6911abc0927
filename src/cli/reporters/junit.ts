/**
 * `--reporter junit`: JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test-report actions,
 * Azure): `<testsuites>` with one `<testsuite>` per collection file and one `<testcase>` per
 * scenario or request. A failure carries the failing step, where it is in the file, expected and
 * actual; `<system-out>` lists every step with its timing. Only attributes the common JUnit schemas
 * define are used (test/unit/scenario/junit.xsd checks that). Written whole at the end of the run.
 */
import type { Reporter, ReportedTest } from './types';

/** Characters XML 1.0 cannot hold at all (control characters other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for an attribute value or element content; characters XML cannot carry become U+FFFD. */
export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/** Element content keeps its newlines readable. */
function text(s: string): string {
  return xmlEscape(s).replace(/&#10;/g, '\n').replace(/&#9;/g, '\t');
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

function testcase(t: ReportedTest, classname: string): string {
  const out = [`    <testcase name="${xmlEscape(t.name)}" classname="${xmlEscape(classname)}" time="${seconds(t.durationMs)}">`];
  if (t.failure) {
    const f = t.failure;
    const body = [
      `step: ${f.label}`,
      `at: ${f.file}:${f.line}:${f.column}`,
      ...(f.expected !== undefined ? [`expected: ${f.expected}`] : []),
      ...(f.actual !== undefined ? [`actual: ${f.actual}`] : []),
      `elapsed: ${f.elapsedMs} ms`,
      ...(t.skipped ? [`steps not run: ${t.skipped}`] : []),
    ].join('\n');
    out.push(`      <failure message="${xmlEscape(`${f.label}: ${f.message ?? 'failed'}`)}" type="${xmlEscape(f.code ?? 'WSWB_STEP_FAILED')}">${text(body)}</failure>`);
  }
  const steps = t.steps.map((s) => `${s.ok ? 'ok  ' : 'FAIL'} ${String(s.elapsedMs).padStart(6)} ms  ${s.label}  (${s.file}:${s.line}:${s.column})`).join('\n');
  out.push(`      <system-out>${text(`${t.kind} "${t.name}" at ${t.file}:${t.location.line}:${t.location.column}\n${steps}\n`)}</system-out>`);
  out.push('    </testcase>');
  return out.join('\n');
}

export function junitReporter(): Reporter {
  return {
    start() {
      return '';
    },
    step() {
      return '';
    },
    testEnd() {
      return '';
    },
    end(files, totals) {
      const suites = files.map((f) => {
        const failed = f.tests.filter((t) => !t.ok).length;
        const time = f.tests.reduce((ms, t) => ms + t.durationMs, 0);
        const first = f.tests.reduce((at, t) => Math.min(at, t.startedAt), Number.POSITIVE_INFINITY);
        const stamp = new Date(Number.isFinite(first) ? first : totals.startedAt).toISOString().replace(/\.\d{3}Z$/, '');
        const classname = f.file.replace(/\\/g, '/').replace(/\.websocket\.json$/, '').replace(/\//g, '.');
        return [
          `  <testsuite name="${xmlEscape(f.file)}" tests="${f.tests.length}" failures="${failed}" errors="0" skipped="0" time="${seconds(time)}" timestamp="${stamp}" hostname="localhost">`,
          `    <properties>\n      <property name="collection" value="${xmlEscape(f.name)}"/>\n    </properties>`,
          ...f.tests.map((t) => testcase(t, classname)),
          '  </testsuite>',
        ].join('\n');
      });
      return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="websocket-workbench" tests="${totals.tests}" failures="${totals.failed}" errors="0" time="${seconds(totals.durationMs)}">`,
        ...suites,
        '</testsuites>',
        '',
      ].join('\n');
    },
  };
}
