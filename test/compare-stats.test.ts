import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holmBonferroni, studentTTwoSidedP, studentTTwoSidedQuantile, welchLogTest } from '../src/stats/hypothesis.js';

function assertRelativelyClose(actual: number, expected: number, relativeTolerance: number): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(error <= relativeTolerance, `expected ${expected} (±${relativeTolerance} relative), got ${actual}`);
}

describe("Student's t and Welch's test", () => {
  it('gives known two-sided p-values and quantiles', () => {
    // scipy: 2 * t.sf(2.776445, 4) = 0.05; 2 * t.sf(12.7062, 1) = 0.05; 2 * t.sf(2, 10) = 0.07338803.
    assertRelativelyClose(studentTTwoSidedP(2.776445, 4), 0.05, 1e-5);
    assertRelativelyClose(studentTTwoSidedP(12.7062, 1), 0.05, 1e-4);
    assertRelativelyClose(studentTTwoSidedP(2, 10), 0.07338803, 1e-6);
    assert.equal(studentTTwoSidedP(0, 3), 1);
    assertRelativelyClose(studentTTwoSidedQuantile(0.05, 4), 2.776445, 1e-6);
    assertRelativelyClose(studentTTwoSidedQuantile(0.001, 6), 5.958816, 1e-6);
  });

  it("matches scipy's ttest_ind(log(b), log(a), equal_var=False) on a small example", () => {
    // scipy 1.x: statistic 9.518366, df 5.667257, p 0.000107207.
    const result = welchLogTest([1, 1.02, 0.99, 1.01], [1.1, 1.12, 1.09, 1.13]);
    assertRelativelyClose(result.df, 5.667257, 1e-6);
    assertRelativelyClose(result.p, 0.000107207, 1e-4);
    assert.ok(result.ratio > 1.09 && result.ratio < 1.12);
    assert.ok(result.ratioCi95[0] < result.ratio && result.ratio < result.ratioCi95[1]);
    assert.equal(welchLogTest([2, 2], [2, 2]).p, 1);
    assert.throws(() => welchLogTest([1], [2]), /one value a side/);
  });
});

describe('holmBonferroni', () => {
  it("adjusts a known vector (same as R's p.adjust(p, 'holm'))", () => {
    // Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06.
    const adjusted = holmBonferroni([0.01, 0.04, 0.03, 0.005]);
    const expected = [0.03, 0.06, 0.06, 0.02];
    assert.equal(adjusted.length, expected.length);
    for (const [i, p] of adjusted.entries()) assertRelativelyClose(p, expected[i] ?? Number.NaN, 1e-12);
  });

  it('caps at 1 and handles ties, singletons and empty input', () => {
    assert.deepEqual(holmBonferroni([0.5, 0.6]), [1, 1]);
    const tied = holmBonferroni([0.02, 0.02, 0.02]);
    for (const p of tied) assertRelativelyClose(p, 0.06, 1e-12);
    assert.deepEqual(holmBonferroni([0.3]), [0.3]);
    assert.deepEqual(holmBonferroni([]), []);
  });

  it('rejects values that are not probabilities', () => {
    assert.throws(() => holmBonferroni([0.1, Number.NaN]), /p-value 1 must be within \[0, 1\]/);
    assert.throws(() => holmBonferroni([1.5]), /within \[0, 1\]/);
  });
});
