/**
 * A/A calibration on fixture and simulated runs: the noise of the ratio and of absolute times
 * measured apart, a threshold suggested above each, and the power the measured spread leaves.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  absoluteThresholdOption,
  calibrate,
  detectableChange,
  formatCalibration,
  thresholdOption,
} from '../src/compare/calibrate.js';
import { welchLogTest } from '../src/stats/hypothesis.js';
import { makeFixtureResults, Noise } from './helpers/fixture-results.js';
import { simulateRun } from './helpers/noise-model.js';
import { scaled } from './helpers/runs.js';

describe('calibrate', () => {
  test('identical runs: no change on either quantity, the minimum thresholds', () => {
    const run = makeFixtureResults();
    const { workloads } = calibrate([run, structuredClone(run)]);
    assert.ok(workloads.length > 0);
    for (const n of workloads) {
      assert.equal(n.absolute.worstChangePercent, 0);
      assert.equal(n.absolute.suggestedThresholdPercent, 1);
      assert.ok(n.ratio, `${n.workload}: bindings over their floor`);
      assert.equal(n.ratio.worstChangePercent, 0);
      assert.equal(n.ratio.suggestedThresholdPercent, 1);
    }
  });

  test('a host 3 % slower on the repeat: the absolute threshold rises above 3 %, the ratio stays at its minimum', () => {
    const run = makeFixtureResults();
    const calibration = calibrate([run, scaled(run, 1.03)]);
    assert.equal(calibration.unit, 'turn');
    for (const n of calibration.workloads) {
      assert.ok(Math.abs(n.absolute.worstChangePercent - 3) < 0.01, `${n.workload}: ${n.absolute.worstChangePercent}`);
      assert.ok(n.absolute.suggestedThresholdPercent > 3);
      assert.ok((n.ratio?.worstChangePercent ?? 1) < 1e-9, `${n.workload}: the shift cancels in the ratio`);
      assert.equal(n.ratio?.suggestedThresholdPercent, 1);
      // Three turns of one process a side: compare runs no test, so nothing would be caught.
      assert.equal(n.absolute.detectable90Percent, undefined);
    }
    assert.match(thresholdOption(calibration), /^[a-z-]+=1(,[a-z-]+=1)*$/);
    assert.equal(absoluteThresholdOption(calibration), 5);
  });

  test('simulated default runs with the host moving 6-7 %: the ratio is quieter than absolute time, and both have a power', () => {
    const runs = [1, 1.07, 1 / 1.06].map((hostShift, i) =>
      simulateRun({ seed: 300 + i, hostShift, workloads: ['pio-out', 'hlt', 'lifecycle'] }),
    );
    const calibration = calibrate(runs);
    assert.equal(calibration.unit, 'process');
    assert.equal(calibration.runs, 3);
    for (const n of calibration.workloads) {
      const ratio = n.ratio;
      assert.ok(ratio, n.workload);
      assert.equal(ratio.units, 4);
      assert.equal(ratio.comparisons, 9, 'Holm covers the 9 binding cells');
      assert.equal(n.absolute.comparisons, 12, 'absolute verdicts cover all 12 cells');
      assert.ok(ratio.worstChangePercent < n.absolute.worstChangePercent, JSON.stringify(n));
      assert.ok(ratio.unitSdPercent < n.absolute.unitSdPercent, JSON.stringify(n));
      // The simulated per-process ratio spreads about 1.2 %, absolute time about 10 % (noise-model.ts).
      assert.ok(ratio.unitSdPercent > 0.5 && ratio.unitSdPercent < 3, `ratio unit sd ${ratio.unitSdPercent}`);
      assert.ok(n.absolute.unitSdPercent > 4, `absolute unit sd ${n.absolute.unitSdPercent}`);
      assert.ok(ratio.detectable90Percent !== undefined && n.absolute.detectable90Percent !== undefined);
      assert.ok(ratio.detectable90Percent > ratio.suggestedThresholdPercent);
      assert.ok(ratio.detectable90Percent < n.absolute.detectable90Percent, JSON.stringify(n));
    }
    const text = formatCalibration(calibration, {
      thresholdFor: thresholdOption(calibration),
      absoluteThreshold: absoluteThresholdOption(calibration),
    });
    assert.match(text, /units: per-process medians/);
    assert.match(text, /binding \/ floor ratio \(the default gate/);
    assert.match(text, /absolute time \(--absolute-threshold/);
    assert.match(text, /^pio-out +\d+\.\d\d % +\d+\.\d\d % +\d+\.\d\d % +\d+ % +≥ \d+\.\d %$/m);
    assert.match(
      text,
      /kvmbench compare BASE CURRENT --threshold-for pio-out=\d+,hlt=\d+,lifecycle=\d+ --absolute-threshold \d+/,
    );
  });

  test('one run is not enough', () => {
    assert.throws(() => calibrate([makeFixtureResults()]), /at least two runs/);
  });
});

describe('detectableChange: the smallest change caught 90 % of the time', () => {
  test('no spread: the threshold itself; more spread or more cells: a larger change; one unit: none', () => {
    assert.ok(Math.abs((detectableChange(0, 4, 3, 42) ?? 0) - 3) < 1e-9);
    const base = detectableChange(0.01, 4, 3, 42) ?? 0;
    assert.ok(base > 3);
    assert.ok((detectableChange(0.02, 4, 3, 42) ?? 0) > base);
    assert.ok((detectableChange(0.01, 4, 3, 200) ?? 0) > base);
    assert.ok((detectableChange(0.01, 8, 3, 42) ?? 0) < base);
    assert.equal(detectableChange(0.01, 1, 3, 42), undefined);
  });

  test("Welch's test on simulated units catches that change in about 90 % of draws", (t) => {
    // Four units a side, log spread 1.2 %, Bonferroni over 42 cells (Holm's strictest step), 3 % threshold.
    const [sd, units, threshold, cells] = [0.012, 4, 3, 42];
    const change = detectableChange(sd, units, threshold, cells) ?? 0;
    const noise = new Noise(11);
    const draws = 4000;
    let caught = 0;
    for (let draw = 0; draw < draws; draw++) {
      const a = Array.from({ length: units }, () => noise.factor(sd));
      const b = Array.from({ length: units }, () => (1 + change / 100) * noise.factor(sd));
      const test = welchLogTest(a, b);
      if (test.p * cells < 0.05 && test.ratio > 1 + threshold / 100) caught++;
    }
    // Other draws than detectableChange's own: about 90 %, within sampling error (sd 0.5 % over 4,000).
    t.diagnostic(`caught in ${caught} of ${draws} at +${change.toFixed(2)} %`);
    assert.ok(
      caught / draws > 0.88 && caught / draws < 0.92,
      `caught in ${caught} of ${draws} at +${change.toFixed(2)} %`,
    );
  });
});
