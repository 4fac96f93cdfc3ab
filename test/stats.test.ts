import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SEED, Mulberry32, median, quantile, summarize } from '../src/stats/estimates.js';
import { normalSamples } from './helpers/runs.js';

function assertClose(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
}

function contains([low, high]: [number, number], value: number): boolean {
  return low <= value && value <= high;
}

describe('Mulberry32', () => {
  it('yields reproducible uniforms in [0, 1)', () => {
    const first = new Mulberry32(123);
    const second = new Mulberry32(123);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = first.next();
      assert.equal(value, second.next());
      assert.ok(value >= 0 && value < 1);
      sum += value;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.01);
  });
});

describe('percentiles (type 7)', () => {
  // 1..100 shuffled, so sorting is exercised. Type 7: h = (n - 1) p, interpolate x[floor h] .. x[floor h + 1]
  // (0-based), e.g. p90: h = 89.1 -> 90 + 0.1 * (91 - 90) = 90.1. Same values as numpy.percentile.
  const oneToHundred = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
  const stats = summarize(oneToHundred, { bootstrapResamples: 200 });

  it("matches numpy's default on 1..100", () => {
    assertClose(stats.q1, 25.75);
    assertClose(stats.median, 50.5);
    assertClose(stats.p50, 50.5);
    assertClose(stats.q3, 75.25);
    assertClose(stats.iqr, 49.5);
    assertClose(stats.p90, 90.1);
    assertClose(stats.p99, 99.01);
    assertClose(stats.p999, 99.901);
    assert.equal(stats.min, 1);
    assert.equal(stats.max, 100);
    assert.equal(stats.n, 100);
  });

  it('handles the ends and odd/even medians', () => {
    assert.equal(quantile([3, 1, 2], 0), 1);
    assert.equal(quantile([3, 1, 2], 1), 3);
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.throws(() => quantile([1, 2], 1.5), /within \[0, 1\]/);
  });
});

describe('summarize', () => {
  it('computes mean, sample sd and cv of a known set', () => {
    // Sum 40, mean 5, squared deviations 32 -> sd = sqrt(32 / 7).
    const stats = summarize([2, 4, 4, 4, 5, 5, 7, 9], {
      bootstrapResamples: 100,
    });
    assert.equal(stats.mean, 5);
    assertClose(stats.sd, Math.sqrt(32 / 7));
    assertClose(stats.cv, Math.sqrt(32 / 7) / 5);
  });

  it('gives sd = cv = 0 for a single sample or identical samples', () => {
    const single = summarize([42], { bootstrapResamples: 50 });
    assert.equal(single.sd, 0);
    assert.equal(single.cv, 0);
    assert.deepEqual(single.medianCi95, [42, 42]);
    const same = summarize([7, 7, 7, 7], { bootstrapResamples: 50 });
    assert.equal(same.sd, 0);
    assert.deepEqual(same.outliers, { low: 0, high: 0 });
  });

  it('counts Tukey outliers without dropping them', () => {
    // Sorted: -40, 1..20, 70, 90 (n = 23). q1 = 5.5, q3 = 16.5, iqr = 11, fences -11 and 33.
    const stats = summarize([...Array.from({ length: 20 }, (_, i) => i + 1), -40, 70, 90], { bootstrapResamples: 100 });
    assertClose(stats.q1, 5.5);
    assertClose(stats.q3, 16.5);
    assert.deepEqual(stats.outliers, { low: 1, high: 2 });
    assert.equal(stats.n, 23);
    assert.equal(stats.min, -40);
    assert.equal(stats.max, 90);
  });

  it('has a median CI that covers the true median of a large normal sample', () => {
    const stats = summarize(normalSamples(10_000, 1000, 50, 1));
    assert.ok(contains(stats.medianCi95, 1000), `CI ${stats.medianCi95} should contain 1000`);
    assert.ok(contains(stats.medianCi95, stats.median));
    // Asymptotic CI half-width: 1.96 * sd * sqrt(pi / 2) / sqrt(n) ≈ 1.23.
    const width = stats.medianCi95[1] - stats.medianCi95[0];
    assert.ok(width > 1.5 && width < 3.5, `width ${width}`);
  });

  it('covers the true median in about 95 % of repeated experiments', () => {
    let covered = 0;
    const experiments = 60;
    for (let seed = 100; seed < 100 + experiments; seed++) {
      const stats = summarize(normalSamples(201, 0, 1, seed), {
        bootstrapResamples: 500,
        seed,
      });
      if (contains(stats.medianCi95, 0)) covered++;
    }
    assert.ok(covered >= 51 && covered <= experiments, `coverage ${covered}/${experiments}`);
  });

  it('narrows the median CI as n grows (~1/sqrt n)', () => {
    const widthAt = (n: number): number => {
      const [low, high] = summarize(normalSamples(n, 500, 20, 7)).medianCi95;
      return high - low;
    };
    const small = widthAt(100);
    const large = widthAt(10_000);
    assert.ok(large < small / 5, `width ${large} at n = 10000 vs ${small} at n = 100`);
  });

  it('matches a naive bootstrap that builds and sorts every resample', () => {
    // The counting shortcut consumes the same draws, so the interval must agree exactly.
    const naiveMedianCi = (samples: number[], resamples: number): [number, number] => {
      const sorted = [...samples].sort((x, y) => x - y);
      const random = new Mulberry32(DEFAULT_SEED);
      const medians = Array.from({ length: resamples }, () =>
        median(sorted.map(() => sorted[Math.floor(random.next() * sorted.length)] ?? Number.NaN)),
      );
      return [quantile(medians, 0.025), quantile(medians, 0.975)];
    };
    for (const n of [100, 101]) {
      const samples = normalSamples(n, 50, 5, n);
      assert.deepEqual(summarize(samples, { bootstrapResamples: 300 }).medianCi95, naiveMedianCi(samples, 300));
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    const samples = normalSamples(1000, 100, 10, 3);
    assert.deepEqual(summarize(samples, { seed: 9 }), summarize(samples, { seed: 9 }));
    assert.notDeepEqual(summarize(samples, { seed: 9 }).medianCi95, summarize(samples, { seed: 10 }).medianCi95);
  });

  it('rejects empty and non-finite input', () => {
    assert.throws(() => summarize([]), /empty input/);
    assert.throws(() => summarize([1, Number.NaN]), /sample 1 is not a finite number \(NaN\)/);
    assert.throws(() => summarize([Number.POSITIVE_INFINITY]), /not a finite number/);
    assert.throws(() => summarize([1], { bootstrapResamples: 0 }), /positive integer/);
    assert.throws(() => median([]), /empty input/);
  });
});
