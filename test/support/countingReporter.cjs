// Mocha reporter: the spec reporter's output, plus a JSON summary {suite, passed, failed, pending, hidden}
// written to $WSWB_RESULTS_FILE so scripts/test.sh can sum every suite into one closing line.
//
// Counted per test, not per mocha "failure": when a hook fails, mocha reports one failure for the
// hook and never runs the tests it guards (every test of its suite after a `before`/`beforeEach`
// failure). Those tests count as failed here (`hidden` says how many), so a broken `before` cannot
// turn a suite of 30 tests into "1 failed". A hook failure that hides no test (an `after` hook)
// still counts as one failure.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class CountingReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const passed = new Set();
    const failed = new Set();
    const pending = new Set();
    const failedHooks = [];
    runner.on(EVENT_TEST_PASS, (t) => passed.add(t));
    runner.on(EVENT_TEST_PENDING, (t) => pending.add(t));
    runner.on(EVENT_TEST_FAIL, (r) => (r.type === 'hook' ? failedHooks.push(r) : failed.add(r)));
    runner.once(EVENT_RUN_END, () => {
      // Tests the failed hooks kept from running (those the grep would have selected).
      const selected = (t) => {
        const grep = runner._grep;
        if (!grep) return true;
        return grep.test(t.fullTitle()) !== Boolean(runner._invert);
      };
      const hidden = new Set();
      let hookFailuresAlone = 0;
      for (const hook of failedHooks) {
        let n = 0;
        const visit = (suite) => {
          for (const t of suite.tests) {
            if (!passed.has(t) && !failed.has(t) && !pending.has(t) && !hidden.has(t) && selected(t)) {
              hidden.add(t);
              n++;
            }
          }
          for (const s of suite.suites) visit(s);
        };
        if (hook.parent) visit(hook.parent);
        if (n === 0) hookFailuresAlone++;
      }
      if (hidden.size) console.log(`\n  ${hidden.size} test(s) did not run because a hook failed: counted as failed.`);
      const file = process.env.WSWB_RESULTS_FILE;
      if (!file) return;
      const summary = {
        suite: process.env.WSWB_SUITE || 'unknown',
        passed: passed.size,
        failed: failed.size + hidden.size + hookFailuresAlone,
        pending: pending.size,
        ...(hidden.size ? { hidden: hidden.size } : {}),
      };
      fs.writeFileSync(file, JSON.stringify(summary) + '\n');
    });
  }
}
module.exports = CountingReporter;
