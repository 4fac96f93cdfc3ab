/**
 * What compare's gate concludes on simulated runs (test/helpers/noise-model.ts): no false alarm when
 * only the host's speed moved, power against real changes of the bindings, and intervals that hold
 * their 95 %, tightly enough that t with k instead of k - 1 df, or a variance over k, fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareResults, compareRuns } from '../src/compare/compare-results.js';
import type { Comparison } from '../src/results/comparison.js';
import { groupedMedianCi } from '../src/stats/estimates.js';
import { Noise } from './helpers/fixture-results.js';
import { NOISE, SIM_FLOOR, type SimulatedRun, simulateRun } from './helpers/noise-model.js';

const gatingChanges = (comparison: Comparison): number =>
  comparison.cells.filter((cell) => cell.gates && (cell.verdict === 'regressed' || cell.verdict === 'improved')).length;
const regressedBindings = (comparison: Comparison): number =>
  comparison.cells.filter((cell) => cell.binding !== SIM_FLOOR && cell.verdict === 'regressed').length;
const medianOf = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Pairs of simulated runs: the current one with a whole-run host shift and an effect on every non-floor binding. */
function comparePairs(
  count: number,
  seed: number,
  shift: (i: number) => number,
  effect: number,
  noise?: SimulatedRun['noise'],
): Comparison[] {
  return Array.from({ length: count }, (_, i) =>
    compareResults(
      simulateRun({ seed: seed + 2 * i, ...(noise ? { noise } : {}) }),
      simulateRun({
        seed: seed + 2 * i + 1,
        hostShift: shift(i),
        effect: (_workload, binding) => (binding === SIM_FLOOR ? 1 : effect),
        ...(noise ? { noise } : {}),
      }),
    ),
  );
}

/**
 * The default run's turns last 30 ms, the quick run's (where the turn spread was measured) 7 ms:
 * a turn of 4.3x the samples spreads about 1/sqrt(4.3) as much, 1.2 % -> 0.6 %.
 */
const DEFAULT_RUN_TURNS = { TURN_SD: NOISE.TURN_SD / Math.sqrt(30 / 7) };

describe('the gate on the binding / floor ratio (4 processes × 5 rounds, 14 workloads × 4 bindings)', () => {
  it('A/A with the host 6-8 % faster or slower: no gating cell flagged in at least 99 % of pairs', (t) => {
    // Shifts of +6, +8, -6 and -8 % in turn.
    const shifts = [1.06, 1.08, 1 / 1.06, 1 / 1.08];
    const comparisons = comparePairs(120, 1_000, (i) => shifts[i % 4] as number, 1);
    const alarms = comparisons.filter((comparison) => gatingChanges(comparison) > 0).length;
    t.diagnostic(`${alarms} of ${comparisons.length} A/A pairs flagged a gating cell`);
    assert.ok(alarms <= 1, `${alarms} of ${comparisons.length} A/A pairs flagged a cell`);
    // The floor saw the host move: the drift warning says so, and its absolute change does not gate.
    const drift = comparisons.filter((c) => c.warnings.some((warning) => /floor itself moved/.test(warning))).length;
    assert.ok(drift >= comparisons.length * 0.9, `drift named in ${drift} of ${comparisons.length}`);
  });

  it('+10 % in every binding with the host 6 % faster: at least 40 of 42 binding cells regressed (median pair)', (t) => {
    const counts = comparePairs(9, 5_000, () => 0.94, 1.1).map(regressedBindings);
    t.diagnostic(`regressed binding cells per pair: ${counts.join(', ')}`);
    assert.ok(medianOf(counts) >= 40, `regressed binding cells per pair: ${counts.join(', ')}`);
  });

  // The issue asked for 25 of 42 at +5 %. At the noise measured on the real host (a turn's ratio to
  // the floor spread 1.7-1.9 %, docs/compare.md) four processes a side do not reach it: Holm over 42
  // cells wants p near 0.001 from Welch's t with about 6 df. The median pair of 31 (seeds 7000-7061)
  // flags 20; of these 15, 18. What the design achieves is asserted, not the target.
  it('+5 % in every binding: at least 15 of 42 binding cells regressed (median pair; the target 25 is not reached)', (t) => {
    const counts = comparePairs(15, 7_000, () => 1, 1.05).map(regressedBindings);
    t.diagnostic(`regressed binding cells per pair: ${counts.join(', ')} (median ${medianOf(counts)})`);
    assert.ok(medianOf(counts) >= 15, `regressed binding cells per pair: ${counts.join(', ')}`);
  });

  it("+5 % in every binding, turns as long as a default run's: at least 25 of 42 binding cells regressed (median pair)", (t) => {
    const counts = comparePairs(15, 7_000, () => 1, 1.05, DEFAULT_RUN_TURNS).map(regressedBindings);
    t.diagnostic(`regressed binding cells per pair: ${counts.join(', ')} (median ${medianOf(counts)})`);
    assert.ok(medianOf(counts) >= 25, `regressed binding cells per pair: ${counts.join(', ')}`);
  });

  it("A/A with the host 6-8 % faster or slower, turns as long as a default run's: no gating cell flagged in at least 99 % of pairs", (t) => {
    const shifts = [1.06, 1.08, 1 / 1.06, 1 / 1.08];
    const comparisons = comparePairs(120, 3_000, (i) => shifts[i % 4] as number, 1, DEFAULT_RUN_TURNS);
    const alarms = comparisons.filter((comparison) => gatingChanges(comparison) > 0).length;
    t.diagnostic(`${alarms} of ${comparisons.length} A/A pairs flagged a gating cell`);
    assert.ok(alarms <= 1, `${alarms} of ${comparisons.length} A/A pairs flagged a cell`);
  });

  it('--on absolute: the host shift alone moves every absolute verdict, which the ratio gate ignores', () => {
    // Processes 10 % apart (as on the real host) hide a whole-run shift from four processes a side
    // on absolute time until it is large: here the host twice as slow.
    const [comparison] = comparePairs(1, 9_000, () => 2, 1);
    const absolute = compareResults(simulateRun({ seed: 9_000 }), simulateRun({ seed: 9_001, hostShift: 2 }), {
      on: 'absolute',
    });
    assert.equal(gatingChanges(comparison as Comparison), 0);
    assert.ok(absolute.summary.regressed > 0, `absolute regressions: ${absolute.summary.regressed}`);
    assert.ok(absolute.cells.every((cell) => cell.basis === 'absolute' && cell.gates));
  });
});

describe('intervals hold their 95 % (at least 93 % over the draws)', () => {
  it('the per-process Student-t interval of a cell median (3 processes × 5 turns)', (t) => {
    const noise = new Noise(42);
    const truth = 5000;
    const draws = 2000;
    let holds = 0;
    for (let draw = 0; draw < draws; draw++) {
      const values: { process: number; value: number }[] = [];
      for (let process = 0; process < 3; process++) {
        const level = truth * noise.factor(0.02);
        for (let round = 0; round < 5; round++) values.push({ process, value: level * noise.factor(0.002) });
      }
      const { ci95 } = groupedMedianCi(values, { bootstrapResamples: 100, seed: draw });
      if (ci95[0] <= truth && truth <= ci95[1]) holds++;
    }
    t.diagnostic(`the interval held the truth in ${holds} of ${draws}`);
    assert.ok(holds / draws >= 0.93, `the interval held the truth in ${holds} of ${draws}`);
  });

  it('the ratio change interval of a binding cell, A/A (3 processes × 5 rounds a run)', (t) => {
    const draws = 1200;
    let holds = 0;
    for (let draw = 0; draw < draws; draw++) {
      const run = (seed: number, hostShift: number) =>
        simulateRun({ seed, hostShift, processes: 3, workloads: ['pio-out'], bindings: [SIM_FLOOR, 'napi'] });
      const comparison = compareResults(run(2 * draw, 1), run(2 * draw + 1, 1.07));
      const cell = comparison.cells.find((c) => c.binding === 'napi');
      assert.equal(cell?.basis, 'ratio-to-floor');
      if (cell && cell.ratioCi95[0] <= 1 && 1 <= cell.ratioCi95[1]) holds++;
    }
    t.diagnostic(`1 inside the A/A ratio interval in ${holds} of ${draws}`);
    assert.ok(holds / draws >= 0.93, `1 inside the A/A ratio interval in ${holds} of ${draws}`);
  });
});

describe('the paired design (A B A B runs pooled per side)', () => {
  const at = (minute: number): string => new Date(Date.UTC(2026, 10, 30, 12, minute)).toISOString();
  const run = (seed: number, minute: number, floorEffect: number, hostShift = 1) =>
    simulateRun({
      seed,
      hostShift,
      startedAt: at(minute),
      id: `run-${minute}`,
      workloads: ['pio-out', 'hlt', 'mmio-read'],
      effect: (_workload, binding) => (binding === SIM_FLOOR ? floorEffect : 1),
    });

  it('a floor 25 % slower in every adjacent pair fails the gate; a host drifting one way does not', () => {
    const confirmed = compareRuns([run(1, 0, 1), run(3, 2, 1)], [run(2, 1, 1.25), run(4, 3, 1.25)]);
    const floors = confirmed.cells.filter((cell) => cell.binding === SIM_FLOOR);
    assert.ok(
      floors.every((cell) => cell.verdict === 'regressed' && cell.gates),
      JSON.stringify(floors),
    );
    assert.equal(floors[0]?.pairChanges?.length, 3);
    assert.ok(confirmed.summary.regressed >= 3);
    assert.equal(confirmed.method.baselineRuns, 2);

    // The host 10 % slower each minute: B is slower than the A before it, faster than the A after.
    const drift = compareRuns([run(1, 0, 1, 1), run(3, 2, 1, 1.21)], [run(2, 1, 1, 1.1), run(4, 3, 1, 1.331)]);
    assert.equal(
      gatingChanges(drift),
      0,
      JSON.stringify(drift.cells.map((c) => [c.binding, c.verdict, c.pairChanges])),
    );
  });

  it('runs not in alternating order never let the floor gate', () => {
    const notAlternating = compareRuns([run(1, 0, 1), run(3, 1, 1)], [run(2, 2, 1.15), run(4, 3, 1.15)]);
    assert.ok(notAlternating.cells.filter((cell) => cell.binding === SIM_FLOOR).every((cell) => !cell.gates));
  });
});
