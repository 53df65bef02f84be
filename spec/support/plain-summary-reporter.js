'use strict';
// Mocha's spec reporter, plus one plain closing line ("N passed, N failed")
// that tools reading the end of a test run understand whatever the runner.
const { reporters } = require('mocha');

class PlainSummaryReporter extends reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes, failures, pending } = runner.stats;
      const skipped = pending > 0 ? `, ${pending} skipped` : '';
      process.stdout.write(`${passes} passed, ${failures} failed${skipped}\n`);
    });
  }
}

module.exports = PlainSummaryReporter;
