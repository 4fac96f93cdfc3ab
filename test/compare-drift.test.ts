/** compare names a host-speed change: the C floor moving on most workloads together. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareResults } from '../src/compare/compare-results.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { scaled } from './helpers/runs.js';

const drift = /floor itself moved/;

test('every cell 6 % slower, floor included: the warning says the host moved', () => {
  const baseline = makeFixtureResults();
  const comparison = compareResults(baseline, scaled(baseline, 1.06));
  assert.ok(
    comparison.warnings.some((warning) => drift.test(warning) && /\+6\.0 %/.test(warning)),
    comparison.warnings.join('\n'),
  );
});

test('one binding slower, the floor unchanged: no such warning', () => {
  const baseline = makeFixtureResults();
  const current = scaled(baseline, (cell) => (cell.binding === 'napi' ? 1.06 : 1));
  assert.ok(!compareResults(baseline, current).warnings.some((warning) => drift.test(warning)));
});
