// Mocha reporter: the spec reporter's output, plus a JSON summary {suite, passed, failed, pending}
// written to $WSWB_RESULTS_FILE so scripts/test.sh can sum every suite into one closing line.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountingReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.WSWB_RESULTS_FILE;
      if (!file) return;
      const s = runner.stats || {};
      const summary = {
        suite: process.env.WSWB_SUITE || 'unknown',
        passed: s.passes || 0,
        failed: s.failures || 0,
        pending: s.pending || 0,
      };
      fs.writeFileSync(file, JSON.stringify(summary) + '\n');
    });
  }
}
module.exports = CountingReporter;
