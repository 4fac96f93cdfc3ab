import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holmBonferroni, mannWhitneyU } from '../src/compare/stats.js';
import { normalSamples } from './helpers/runs.js';

function assertRelativelyClose(actual: number, expected: number, relativeTolerance: number): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(error <= relativeTolerance, `expected ${expected} (±${relativeTolerance} relative), got ${actual}`);
}

describe('mannWhitneyU', () => {
  it('reproduces a hand-computed small example', () => {
    // Pooled order: 11b 12b 16a 17b 19a 20b 22a 24a 29a. Ranks of a: 3+5+7+8+9 = 32,
    // U_a = 32 - 5*6/2 = 17, U_b = 20 - 17 = 3 (the textbook table value min = 3).
    // Normal approximation: mean 10, variance 5*4*10/12, z = (17 - 10 - 0.5) / sqrt(50/3) = 1.5922.
    // scipy.stats.mannwhitneyu(a, b, method="asymptotic") gives U = 17, p = 0.11134688653314041.
    const result = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    assert.equal(result.u, 17);
    assertRelativelyClose(result.z, 6.5 / Math.sqrt(50 / 3), 1e-12);
    assertRelativelyClose(result.p, 0.11134688653314041, 1e-6);
    // Swapping the groups mirrors U and z but keeps p.
    const swapped = mannWhitneyU([20, 11, 17, 12], [19, 22, 16, 29, 24]);
    assert.equal(swapped.u, 3);
    assertRelativelyClose(swapped.z, -result.z, 1e-12);
    assert.equal(swapped.p, result.p);
  });

  it('applies the tie correction', () => {
    // Many ties; scipy.stats.mannwhitneyu(a, b, method="asymptotic") gives U = 20.5, p = 0.026425072452128783.
    const result = mannWhitneyU([1, 1, 2, 2, 2, 3, 3, 4, 5, 5], [2, 3, 3, 4, 4, 5, 6, 6, 6, 7]);
    assert.equal(result.u, 20.5);
    assertRelativelyClose(result.p, 0.026425072452128783, 1e-6);
  });

  it('keeps accuracy in the far tail', () => {
    // Complete separation of 1..30 and 31..60: U = 0; scipy gives p = 3.019859359162157e-11.
    const result = mannWhitneyU(
      Array.from({ length: 30 }, (_, i) => i + 1),
      Array.from({ length: 30 }, (_, i) => i + 31),
    );
    assert.equal(result.u, 0);
    assert.ok(result.z < 0);
    assertRelativelyClose(result.p, 3.019859359162157e-11, 1e-6);
  });

  it('gives p ≈ 1 for identical samples and p = 1 when every value is equal', () => {
    const samples = normalSamples(200, 1000, 50, 1);
    const identical = mannWhitneyU(samples, [...samples]);
    assert.equal(identical.u, (200 * 200) / 2);
    assert.equal(identical.z, 0);
    assert.equal(identical.p, 1);
    assert.deepEqual(mannWhitneyU([5, 5, 5], [5, 5]), { u: 3, z: 0, p: 1 });
    // U = 1 against a mean of 1.5: the continuity correction absorbs it, giving z = +0 and p = 1.
    assert.deepEqual(mannWhitneyU([1, 2, 4], [3]), { u: 1, z: 0, p: 1 });
  });

  it('finds clearly shifted samples significant and same-distribution samples not', () => {
    const base = normalSamples(200, 1000, 50, 2);
    assert.ok(mannWhitneyU(base, normalSamples(200, 1050, 50, 3)).p < 1e-6);
    assert.ok(mannWhitneyU(base, normalSamples(200, 1000, 50, 4)).p > 0.01);
  });

  it('rejects empty and non-finite input', () => {
    assert.throws(() => mannWhitneyU([], [1]), /mannWhitneyU\(a\): no samples/);
    assert.throws(() => mannWhitneyU([1], [2, Number.NaN]), /mannWhitneyU\(b\): sample 1 is not a finite number/);
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
