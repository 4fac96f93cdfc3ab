/** A/A calibration on fixture runs: noise measured from the runs, thresholds suggested above it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrate, thresholdOption } from '../src/compare/calibrate.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { scaled } from './helpers/runs.js';

test('identical runs suggest the minimum threshold', () => {
  const run = makeFixtureResults();
  const noise = calibrate([run, structuredClone(run)]);
  assert.ok(noise.length > 0);
  for (const n of noise) {
    assert.equal(n.worstChangePercent, 0);
    assert.ok(n.suggestedThresholdPercent >= 1);
  }
});

test('a 3 % drift between repeats raises the suggested threshold above 3 %', () => {
  const run = makeFixtureResults();
  const noise = calibrate([run, scaled(run, 1.03)]);
  for (const n of noise) {
    assert.ok(Math.abs(n.worstChangePercent - 3) < 0.01, `${n.workload}: ${n.worstChangePercent}`);
    assert.ok(n.suggestedThresholdPercent > 3);
  }
  assert.match(thresholdOption(noise), /^[a-z-]+=\d+(,[a-z-]+=\d+)*$/);
});

test('one run is not enough', () => {
  assert.throws(() => calibrate([makeFixtureResults()]), /at least two runs/);
});
