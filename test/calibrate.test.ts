/** A/A calibration on fixture runs: noise measured from the runs, thresholds suggested above it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Results } from '../src/bench/results.js';
import { summarize } from '../src/bench/stats.js';
import { calibrate, thresholdOption } from '../src/compare/calibrate.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

/** The same run with every sample scaled, as a slightly different A/A repeat would be. */
function scaled(results: Results, factor: number): Results {
  const copy = structuredClone(results);
  for (const m of copy.measurements) {
    m.samples = m.samples.map((s) => s * factor);
    if (m.stats) m.stats = summarize(m.samples);
  }
  return copy;
}

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
