/**
 * The measuring core without KVM: calibration against fake cells, turn-level intervals on synthetic
 * autocorrelated samples, the exit-count check on a PVM host's real vCPU stats.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type MeasuredCell, measurementOf } from '../src/bench/analyze.js';
import type { CellRunner, KvmStats } from '../src/bench/cell.js';
import { checkExitCount, emulatedInstructionsPerIteration } from '../src/bench/counters.js';
import { tierUpBudget } from '../src/bench/jit-tier-up.js';
import { hereCell, type PlannedCell, planRun } from '../src/bench/plan.js';
import { mergeProcessRuns } from '../src/bench/processes.js';
import { jitWarmupCount, sizeBatches } from '../src/bench/scheduler.js';
import { runWarnings } from '../src/bench/warnings.js';
import { type Workload, workloadCatalogue } from '../src/bench/workloads.js';
import { runExitCode } from '../src/cli/exit-codes.js';
import type { Results } from '../src/results/types.js';
import { TARGET_SAMPLE_NS } from '../src/results/types.js';
import {
  Mulberry32,
  orderStatisticInterval,
  pairedRatioCi,
  studentT975,
  summarize,
  summarizeTurns,
  turnMedians,
  unpairedRatioCi,
} from '../src/stats/estimates.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const workload = (name: string) => workloadCatalogue().find((w) => w.name === name) as Workload;

const NO_JIT_WARMUP = { warmupMs: 1, jitWarmupMaxMs: 0 };
/** This Node's own budget flag: the warm-up lowers it for real and puts it back. */
const TIER_UP = await tierUpBudget();
if (!TIER_UP) throw new Error(`node ${process.version}: no optimization budget flag found (src/bench/jit-tier-up.ts)`);

/** A cell whose iterations cost nsPerIteration, except the first call, which is cold and slow. */
function fakeRunner(
  index: number,
  binding: PlannedCell['binding'],
  nsPerIteration: number,
  cellWorkload = workload('pio-out'),
  onRun?: (binding: string, n: number) => void,
): CellRunner {
  let calls = 0;
  let iterations = 0;
  return {
    cell: { index, workload: cellWorkload, binding, guest: undefined },
    lastSteps: undefined,
    get iterations() {
      return iterations;
    },
    eintr: 0,
    run(n: number) {
      onRun?.(binding, n);
      calls++;
      iterations += n;
      return calls === 1 ? 5_000_000 : n * nsPerIteration + 80;
    },
    readStats: () => undefined,
    close() {},
  } as CellRunner;
}

describe('calibration', () => {
  test('sizes batches from warm probes, not the cold first call, the same for every binding', async () => {
    const fast = fakeRunner(0, 'c-loop', 1000);
    const slow = fakeRunner(1, 'napi', 1400);
    const calibration = await sizeBatches([[fast, slow]], NO_JIT_WARMUP, { stopped: () => false });
    // The fastest binding's samples last >= TARGET_SAMPLE_NS; the slower one's longer.
    assert.equal(calibration.iterationsPerSample.get('pio-out'), Math.ceil((TARGET_SAMPLE_NS * 1.25) / 1000));
    assert.ok(Math.abs((calibration.cells.get(0)?.probeNsPerIteration ?? 0) - 1000) < 5);
    assert.ok(Math.abs((calibration.cells.get(1)?.probeNsPerIteration ?? 0) - 1400) < 5);
    // The empty batch measures the fixed cost inside the timer reads.
    assert.equal(calibration.cells.get(0)?.emptyBatchNs, 80);
  });

  test('a signal while a cell is probed leaves it uncalibrated (as if never reached), not failed', async () => {
    let calls = 0;
    const count = () => {
      calls++;
    };
    const runner = fakeRunner(0, 'napi', 1000, workload('pio-out'), count);
    // Stopped after the warm-up's first batches, before the seven probes are all taken.
    const calibration = await sizeBatches([[runner]], NO_JIT_WARMUP, { stopped: () => calls > 8 });
    assert.ok(calls > 8 && calls < 20, `${calls} batches`);
    assert.equal(calibration.cells.get(0), undefined);
    assert.equal(calibration.iterationsPerSample.get('pio-out'), undefined);
  });

  test('a lifecycle runs its JIT warm-up first: every JS binding in turns, the C floor not at all', async () => {
    const lifecycle = workload('lifecycle');
    const asked = lifecycle.jitWarmupIterations ?? 0;
    assert.ok(asked >= 500, 'the lifecycle asks V8 for a warm-up');
    const calls: string[] = [];
    const record = (binding: string, n: number) => calls.push(`${binding}:${n}`);
    const row = [
      fakeRunner(0, 'c-loop', 600_000, lifecycle, record),
      fakeRunner(1, 'napi', 650_000, lifecycle, record),
      fakeRunner(2, 'koffi', 650_000, lifecycle, record),
      fakeRunner(3, 'koffi-variadic', 650_000, lifecycle, record),
    ];
    const calibration = await sizeBatches(
      [row],
      { warmupMs: 1, jitWarmupMaxMs: 60_000, tierUp: TIER_UP },
      { stopped: () => false },
    );
    assert.equal(calibration.cells.get(0)?.jitWarmupIterations, undefined);
    for (const index of [1, 2, 3]) assert.equal(calibration.cells.get(index)?.jitWarmupIterations, asked);
    assert.deepEqual(calibration.jitWarmup, { iterations: { lifecycle: asked }, maxMs: 60_000, tierUp: TIER_UP });
    // In turns, before any cell's own calibration (whose first call is run(1)): napi, koffi, ...
    const warmup = calls.slice(0, calls.indexOf('c-loop:1'));
    // Each binding runs exactly what was asked, in turns of at most 20: the first turn one lifecycle
    // (the cold call here takes 5 ms), then as many as fit in ~15 ms (20 at 0.65 ms each).
    const bindings = ['napi', 'koffi', 'koffi-variadic'];
    for (const binding of bindings) {
      const turns = warmup.filter((call) => call.startsWith(`${binding}:`)).map((call) => Number(call.split(':')[1]));
      assert.equal(
        turns.reduce((sum, n) => sum + n, 0),
        asked,
        binding,
      );
      assert.ok(
        turns.every((n) => n >= 1 && n <= 20),
        `${binding}: ${turns.join(' ')}`,
      );
    }
    assert.deepEqual(
      warmup.slice(0, 3).map((call) => call.split(':')[0]),
      bindings,
    );
    assert.equal(warmup[0], 'napi:1');
    assert.ok(warmup.includes('napi:20') && warmup.includes('koffi-variadic:20'), 'turns grow to 20');
  });

  test('the JIT warm-up stops at its time limit and at a signal, and records what it ran', async () => {
    const lifecycle = workload('lifecycle');
    const slowRow = [fakeRunner(0, 'napi', 650_000, lifecycle), fakeRunner(1, 'koffi', 650_000, lifecycle)];
    for (const runner of slowRow) {
      const run = runner.run.bind(runner);
      runner.run = (n: number) => {
        const end = performance.now() + 2; // 2 ms per batch: the 10 ms limit allows a few
        while (performance.now() < end) {}
        return run(n);
      };
    }
    const limited = await sizeBatches([slowRow], { warmupMs: 1, jitWarmupMaxMs: 10 }, { stopped: () => false });
    const ran = limited.cells.get(0)?.jitWarmupIterations ?? 0;
    assert.ok(ran > 0 && ran < (lifecycle.jitWarmupIterations ?? 0), `ran ${ran}`);
    let checks = 0;
    const row = [fakeRunner(0, 'napi', 650_000, lifecycle), fakeRunner(1, 'koffi', 650_000, lifecycle)];
    const stopped = await sizeBatches([row], { warmupMs: 1, jitWarmupMaxMs: 60_000 }, { stopped: () => ++checks > 3 });
    assert.ok((row[0]?.iterations ?? 0) <= 60, 'a signal ends the warm-up within a turn');
    assert.equal(stopped.cells.size, 0);
  });

  test('a cell whose guest fails in the JIT warm-up keeps that error and is not calibrated', async () => {
    const lifecycle = workload('lifecycle');
    let calls = 0;
    const broken = {
      ...fakeRunner(0, 'koffi', 650_000, lifecycle),
      run: () => {
        if (++calls === 3) throw new Error('guest fault in turn 3');
        return 20 * 650_000;
      },
    } as CellRunner;
    const healthy = fakeRunner(1, 'napi', 650_000, lifecycle);
    const calibration = await sizeBatches(
      [[broken, healthy]],
      { warmupMs: 1, jitWarmupMaxMs: 60_000, tierUp: TIER_UP },
      {
        stopped: () => false,
      },
    );
    assert.equal(calibration.cells.get(0)?.error, 'guest fault in turn 3');
    assert.equal(calls, 3, 'not run again after its failure');
    // Two JS bindings: each runs half as many again, so the code they share sees as many calls.
    const each = ((lifecycle.jitWarmupIterations ?? 0) * 3) / 2;
    assert.equal(calibration.cells.get(1)?.jitWarmupIterations, each);
    assert.deepEqual(calibration.jitWarmup, { iterations: { lifecycle: each }, maxMs: 60_000, tierUp: TIER_UP });
  });

  test('the count is for three JS bindings in turns: fewer run more each; four times as many without the budget', () => {
    assert.equal(jitWarmupCount(600, 3, true), 600);
    assert.equal(jitWarmupCount(600, 2, true), 900);
    assert.equal(jitWarmupCount(600, 1, true), 1800);
    assert.equal(jitWarmupCount(600, 3, false), 2400);
    assert.equal(jitWarmupCount(600, 1, false), 7200);
  });

  test("Bun's JavaScriptCore: 900 per binding per 600 asked, as measured there, whatever the number of bindings", () => {
    assert.equal(jitWarmupCount(600, 4, false, 'jsc'), 900);
    assert.equal(jitWarmupCount(600, 1, false, 'jsc'), 900);
    assert.equal(jitWarmupCount(300, 4, false, 'jsc'), 450);
  });

  test("where V8's budget stays as it is, the JIT warm-up runs four times as many iterations", async () => {
    const lifecycle = workload('lifecycle');
    const asked = lifecycle.jitWarmupIterations ?? 0;
    const row = ['napi', 'koffi', 'koffi-variadic'].map((binding, index) =>
      fakeRunner(index, binding as PlannedCell['binding'], 650_000, lifecycle),
    );
    const calibration = await sizeBatches([row], { warmupMs: 1, jitWarmupMaxMs: 60_000 }, { stopped: () => false });
    assert.equal(calibration.cells.get(0)?.jitWarmupIterations, 4 * asked);
    assert.deepEqual(calibration.jitWarmup, { iterations: { lifecycle: 4 * asked }, maxMs: 60_000 });
  });

  test('no JIT warm-up where a workload has no JS binding, or none was asked', async () => {
    const lifecycle = workload('lifecycle');
    const floorOnly = await sizeBatches(
      [[fakeRunner(0, 'c-loop', 600_000, lifecycle)]],
      {
        warmupMs: 1,
        jitWarmupMaxMs: 60_000,
      },
      { stopped: () => false },
    );
    assert.equal(floorOnly.jitWarmup, undefined);
    const exits = await sizeBatches(
      [[fakeRunner(0, 'napi', 1000)]],
      { warmupMs: 1, jitWarmupMaxMs: 60_000 },
      {
        stopped: () => false,
      },
    );
    assert.equal(exits.jitWarmup, undefined);
    assert.equal(exits.cells.get(0)?.jitWarmupIterations, undefined);
  });

  test('a failing cell is recorded, the others are calibrated', async () => {
    const broken = {
      ...fakeRunner(0, 'koffi', 1000),
      run: () => {
        throw new Error('guest fault');
      },
    } as CellRunner;
    const calibration = await sizeBatches([[broken, fakeRunner(1, 'napi', 1000)]], NO_JIT_WARMUP, {
      stopped: () => false,
    });
    assert.equal(calibration.cells.get(0)?.error, 'guest fault');
    assert.equal(calibration.iterationsPerSample.get('pio-out'), 625);
  });
});

/**
 * A run's samples as a real host makes them: each turn has its own level (the host's state drifts
 * between turns) and successive samples within a turn are AR(1)-correlated.
 */
function autocorrelatedRun(random: Mulberry32, turns: number, perTurn: number, truth: number) {
  const normal = () => {
    const u = Math.max(random.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
  };
  const samples: number[] = [];
  const rounds: number[] = [];
  for (let t = 0; t < turns; t++) {
    const level = truth + 40 * normal();
    let noise = 0;
    for (let i = 0; i < perTurn; i++) {
      noise = 0.9 * noise + 10 * normal();
      samples.push(level + noise);
      rounds.push(t);
    }
  }
  return { samples, rounds };
}

describe('intervals over turns', () => {
  test('cover the true median of autocorrelated samples at about 95 %, where a bootstrap over samples does not', () => {
    const random = new Mulberry32(7);
    const truth = 5000;
    let coveredByTurns = 0;
    let coveredBySamples = 0;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      const { samples, rounds } = autocorrelatedRun(random, 20, 40, truth);
      const turns = summarizeTurns(samples, rounds);
      if (turns.medianCi95[0] <= truth && truth <= turns.medianCi95[1]) coveredByTurns++;
      const naive = summarize(samples, { bootstrapResamples: 200, seed: r });
      if (naive.medianCi95[0] <= truth && truth <= naive.medianCi95[1]) coveredBySamples++;
    }
    assert.ok(coveredByTurns / runs >= 0.92, `turn intervals covered ${coveredByTurns} of ${runs}`);
    assert.ok(coveredBySamples / runs < 0.6, `sample bootstrap covered ${coveredBySamples} of ${runs}`);
  });

  test('two identical runs: the unpaired change interval holds 0 in most A/A comparisons', () => {
    const random = new Mulberry32(11);
    let holds = 0;
    const pairs = 200;
    for (let r = 0; r < pairs; r++) {
      const a = autocorrelatedRun(random, 20, 40, 5000);
      const b = autocorrelatedRun(random, 20, 40, 5000);
      const effect = unpairedRatioCi(turnMedians(a.samples, a.rounds), turnMedians(b.samples, b.rounds), {
        bootstrapResamples: 400,
        seed: r,
      });
      if (effect.ratioCi95[0] <= 1 && 1 <= effect.ratioCi95[1]) holds++;
    }
    assert.ok(holds / pairs >= 0.9, `0 inside the A/A interval in ${holds} of ${pairs}`);
  });

  test('runs of several processes, each at its own level: intervals rest on the processes', (t) => {
    // A host whose speed moves between processes (code layout, phases of seconds): each process
    // has its own level, its turns scatter little around it. Turn-level resampling cannot see
    // that; three processes are the three units that can.
    const random = new Mulberry32(23);
    const normal = () => {
      const u = Math.max(random.next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
    };
    const truth = 5000;
    const run = () => {
      const units: { process: number; round: number; median: number }[] = [];
      for (let process = 0; process < 3; process++) {
        const level = truth * (1 + 0.02 * normal());
        for (let round = 0; round < 7; round++) units.push({ process, round, median: level * (1 + 0.002 * normal()) });
      }
      return units;
    };
    let medianHolds = 0;
    let changeHolds = 0;
    // 1,000 draws: a 95 % interval holds in 93 % or more with near certainty (sd 0.7 %), while t
    // with k instead of k - 1 df (3.18 for 4.30 with three processes) holds in about 90 %.
    const pairs = 1000;
    for (let r = 0; r < pairs; r++) {
      const a = run();
      const b = run();
      const samples = a.map((unit) => unit.median);
      const stats = summarizeTurns(
        samples,
        a.map((unit) => unit.round),
        a.map((unit) => unit.process),
        { bootstrapResamples: 200, seed: r },
      );
      if (stats.medianCi95[0] <= truth && truth <= stats.medianCi95[1]) medianHolds++;
      const effect = unpairedRatioCi(a, b, { bootstrapResamples: 200, seed: r });
      if (effect.ratioCi95[0] <= 1 && 1 <= effect.ratioCi95[1]) changeHolds++;
    }
    t.diagnostic(
      `median interval held the truth in ${medianHolds}, A/A change interval held 1 in ${changeHolds}, of ${pairs}`,
    );
    assert.ok(medianHolds / pairs >= 0.93, `the median interval held the truth in ${medianHolds} of ${pairs}`);
    assert.ok(changeHolds / pairs >= 0.93, `0 inside the A/A interval in ${changeHolds} of ${pairs}`);
  });

  test("Student's t quantiles: table values, Welch's fractional df, the normal limit", () => {
    assert.equal(studentT975(2), 4.303);
    assert.ok(studentT975(2.5) < 4.303 && studentT975(2.5) > 3.182);
    // Between 1 and 3 df, t is far from linear: 6.02 at 1.5 df and 3.57 at 2.5 (exact values).
    assert.ok(Math.abs(studentT975(1.5) / 6.02 - 1) < 0.03, `${studentT975(1.5)}`);
    assert.ok(Math.abs(studentT975(2.5) / 3.57 - 1) < 0.01, `${studentT975(2.5)}`);
    assert.ok(Math.abs(studentT975(100) - 1.984) < 0.001);
    assert.throws(() => studentT975(0.5), /degrees of freedom must be >= 1/);
  });

  test('order statistics: n = 10 gives [x(2), x(9)] at 97.9 %; n = 5 cannot reach 95 %', () => {
    const ten = orderStatisticInterval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    assert.deepEqual(ten.ci95, [2, 9]);
    assert.ok(Math.abs(ten.confidence - 0.9785) < 0.001);
    const five = orderStatisticInterval([5, 4, 3, 2, 1]);
    assert.deepEqual(five.ci95, [1, 5]);
    assert.ok(five.confidence < 0.95);
  });

  test('the overhead against the floor comes from pairs of turns in the same round', () => {
    const floor = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((round) => ({ process: 0, round, median: 1000 + round * 100 }));
    // The drift (round * 100) falls on both: every pair differs by exactly 50.
    const binding = floor.map((unit) => ({ ...unit, median: unit.median + 50 }));
    const effect = pairedRatioCi(floor, binding);
    assert.equal(effect.difference, 50);
    assert.deepEqual(effect.differenceCi95, [50, 50]);
    assert.equal(effect.n, 10);
  });
});

/** The vCPU stats a PVM host reported after 1,000 PIO-out exits (io_exits never counted there). */
function pvmStats(): KvmStats {
  const text = readFileSync(
    new URL('../../test/fixtures/vcpu-stats-after-1000-pio-out-exits.txt', import.meta.url),
    'utf8',
  );
  const stats: Record<string, number> = {};
  for (const line of text.trim().split('\n')) {
    const [name, value] = line.split('=');
    if (name && value !== undefined) stats[name] = Number(value);
  }
  return stats as KvmStats;
}
const zero: KvmStats = { io_exits: 0, mmio_exits: 0, halt_exits: 0, exits: 0, insn_emulation: 0, irq_exits: 0 };

describe('exit-count check', () => {
  test('io_exits never counted (PVM): checked against exits, named, no mismatch', () => {
    const check = checkExitCount(workload('pio-out'), 1000, zero, pvmStats());
    assert.equal(check?.matched, true);
    assert.equal(check?.counter, 'exits');
    assert.equal(check?.notCounted, 'io_exits');
    assert.match(check?.detail ?? '', /io_exits is not counted by this host's KVM/);
    assert.equal(emulatedInstructionsPerIteration(1000, zero, pvmStats()), 3);
  });

  test('a wrong expected count makes the cell suspect and the run exit 1', () => {
    const check = checkExitCount(workload('pio-out'), 1200, zero, pvmStats());
    assert.equal(check?.matched, false);
    const measured: MeasuredCell = {
      cell: hereCell({ index: 0, workload: workload('pio-out'), binding: 'napi', guest: undefined }),
      iterationsPerSample: 100,
      samples: { samples: [5000, 5100, 4900, 5050], sampleRounds: [0, 0, 1, 1], sampleTimesMs: [1, 2, 3, 4] },
      iterations: 1200,
      interruptedRuns: 0,
      ...(check ? { exitCountCheck: check } : {}),
    };
    const measurement = measurementOf(measured, undefined, undefined);
    assert.equal(measurement.status, 'suspect');
    assert.match(measurement.error ?? '', /MISMATCH/);
    const results = makeFixtureResults();
    results.measurements = [measurement];
    assert.equal(runExitCode(results, undefined, false), 1);
  });

  test('a counter that moves but disagrees is a mismatch (hardware KVM counts io_exits)', () => {
    const after = { ...zero, io_exits: 999, exits: 1000 };
    const check = checkExitCount(workload('pio-out'), 1000, zero, after);
    assert.equal(check?.counter, 'io_exits');
    assert.equal(check?.matched, false);
  });
});

describe('merging processes (run --processes N)', () => {
  test('an even number of processes that calibrated differently reports a batch size one of them used', () => {
    const run = makeFixtureResults();
    const withBatch = (iterations: number): Results => ({
      ...run,
      measurements: run.measurements.map((m) => ({ ...m, iterationsPerSample: iterations })),
    });
    const plan = planRun({
      ...run.run.options,
      workloads: [...new Set(run.measurements.map((m) => m.workload))],
      bindings: [...new Set(run.measurements.map((m) => m.binding))],
    });
    const merged = mergeProcessRuns(plan, [withBatch(13), withBatch(10), withBatch(12), withBatch(11)]);
    assert.ok(merged.length > 0);
    // The median of 10, 11, 12, 13 is 11.5: no whole number of iterations, and the schema refuses it.
    for (const cell of merged) assert.equal(cell.iterationsPerSample, 11);
  });

  test("a merged cell's JIT warm-up is the fewest any process ran; the warning names it when well short", () => {
    const run = makeFixtureResults();
    const withWarmup = (iterations: number | undefined): Results => ({
      ...run,
      measurements: run.measurements.map((m) => ({
        ...m,
        calibration: {
          probeNsPerIteration: 1000,
          emptyBatchNs: 50,
          sampleNs: 500_000,
          harnessShare: 1e-4,
          ...(iterations === undefined ? {} : { jitWarmupIterations: iterations }),
        },
      })),
    });
    const plan = planRun({
      ...run.run.options,
      workloads: [...new Set(run.measurements.map((m) => m.workload))],
      bindings: [...new Set(run.measurements.map((m) => m.binding))],
    });
    const merged = mergeProcessRuns(plan, [withWarmup(600), withWarmup(250), withWarmup(undefined), withWarmup(600)]);
    for (const cell of merged) assert.equal(cell.calibration?.jitWarmupIterations, 250);
    const none = mergeProcessRuns(plan, [withWarmup(undefined), withWarmup(undefined)]);
    for (const cell of none) assert.equal(cell.calibration?.jitWarmupIterations, undefined);

    const measurement = (ran: number) =>
      ({ ...withWarmup(ran).measurements[0], workload: 'lifecycle' }) as Results['measurements'][number];
    const jitWarmup = { iterations: { lifecycle: 600 }, maxMs: 3500 };
    const short = runWarnings({
      measurements: [measurement(250)],
      harness: { targetSampleNs: TARGET_SAMPLE_NS, jitWarmup },
    }).filter((w) => w.includes('JIT'));
    assert.equal(short.length, 1);
    assert.match(short[0] as string, /3\.5 s limit.*raise --jit-warmup.*250 of 600 iterations/);
    // 560 of 600 (a slow process): no warning; none either without a harness record.
    assert.equal(
      runWarnings({
        measurements: [measurement(560)],
        harness: { targetSampleNs: TARGET_SAMPLE_NS, jitWarmup },
      }).filter((w) => w.includes('JIT')).length,
      0,
    );
    assert.equal(
      runWarnings({ measurements: [measurement(250)], harness: { targetSampleNs: TARGET_SAMPLE_NS } }).filter((w) =>
        w.includes('JIT'),
      ).length,
      0,
    );
    // --quick's short warm-up is said as what it is, not as a limit to raise.
    const quick = runWarnings({
      measurements: [measurement(200)],
      options: { quick: true },
      harness: { targetSampleNs: TARGET_SAMPLE_NS, jitWarmup: { ...jitWarmup, maxMs: 1000 } },
    });
    assert.match(
      quick.find((w) => w.includes('JIT')) ?? '',
      /--quick gives the JIT warm-up 1\.0 s, so these JS rows were measured before V8 had optimized them.*200 of 600/,
    );
  });

  test('a process that wrote nothing keeps its number: the others are not renumbered', () => {
    const run = makeFixtureResults();
    const plan = planRun({
      ...run.run.options,
      workloads: [...new Set(run.measurements.map((m) => m.workload))],
      bindings: [...new Set(run.measurements.map((m) => m.binding))],
    });
    const merged = mergeProcessRuns(plan, [run, undefined, run]);
    const measured = merged.filter((cell) => cell.samples.samples.length > 0);
    assert.ok(measured.length > 0);
    for (const cell of measured) assert.deepEqual([...new Set(cell.sampleProcesses)], [0, 2]);
  });
});
