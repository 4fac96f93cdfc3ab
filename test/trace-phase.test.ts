/**
 * The trace phase's tracers with a recording session and loops that only count (no KVM): which
 * cells each mode traces, in what order and how many batches, what it keeps of the captures, and
 * what it does when the run is told to stop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellRunner } from '../src/bench/cell.js';
import { hereCell } from '../src/bench/plan.js';
import { FTRACE_BATCHES } from '../src/bench/trace-phase/ftrace.js';
import { batchSize } from '../src/bench/trace-phase/tracer.js';
import { traceCells } from '../src/bench/trace-phase.js';
import { workloadCatalogue } from '../src/bench/workloads.js';
import type { BindingName } from '../src/bindings/types.js';
import type { CellTrace, TraceMode } from '../src/results/trace.js';
import type { TraceSession } from '../src/trace/session.js';

const workload = (name: string) => {
  const found = workloadCatalogue().find((w) => w.name === name);
  assert.ok(found, name);
  return found;
};

/** A loop that takes `ns` per iteration and remembers what it ran. */
function fakeRunner(index: number, workloadName: string, binding: BindingName, ns: number) {
  const runs: number[] = [];
  const runner: CellRunner & { runs: number[]; closed: boolean } = {
    cell: hereCell({ index, workload: workload(workloadName), binding, guest: undefined }),
    runs,
    closed: false,
    lastSteps: undefined,
    iterations: 0,
    eintr: 0,
    run(n: number) {
      runs.push(n);
      return n * ns;
    },
    readStats: () => undefined,
    close() {
      runner.closed = true;
    },
  };
  return runner;
}

/** A session that records the calls; an ftrace batch's split is 600 ns in KVM_RUN and 400 ns turnaround. */
function recordingSession(mode: TraceMode) {
  const calls: string[] = [];
  const discarded: string[] = [];
  const session: TraceSession = {
    mode,
    description: 'recording',
    begin: (label) => {
      calls.push(`begin ${label}`);
    },
    end: (label, iterations, loopNs): CellTrace => {
      calls.push(`end ${label}`);
      const trace: CellTrace = {
        mode,
        tracedIterations: iterations,
        tracedLoopNsPerIteration: loopNs / iterations,
        rawFile: `trace/${label}.txt`,
      };
      if (mode !== 'ftrace') return trace;
      return {
        ...trace,
        split: {
          runs: iterations,
          userspaceExits: iterations,
          pioEvents: iterations,
          mmioEvents: 0,
          kernelExits: 0,
          inKvmRunNs: 600,
          userspaceTurnaroundNs: 400,
          roundTripNs: 1000,
        },
      };
    },
    suspend: () => {
      calls.push('suspend');
    },
    discard: (label) => {
      discarded.push(label);
    },
    files: () => [{ name: 'trace/kept.txt', content: 'x' }],
    close: () => {},
  };
  return { session, calls, discarded };
}

const runnersOfTwoWorkloads = () => [
  fakeRunner(0, 'lifecycle', 'koffi', 50_000),
  fakeRunner(1, 'pio-out', 'koffi', 1000),
  fakeRunner(2, 'pio-out', 'napi', 1000),
  fakeRunner(3, 'immediate-exit', 'koffi', 900),
  fakeRunner(4, 'immediate-exit', 'napi', 900),
];
const mediansOf = (runners: readonly CellRunner[]) =>
  new Map(runners.map((runner) => [runner.cell.index, runner.cell.workload.loop === 'immediate-exit' ? 800 : 950]));

describe('perf-stat and perf-record: one traced batch per cell', () => {
  it('traces every cell with a median once, lifecycle included, under its plain label', async () => {
    const runners = runnersOfTwoWorkloads();
    const medians = mediansOf(runners);
    medians.delete(4); // measured nothing: not traced
    const { session, calls } = recordingSession('perf-stat');
    const progress: string[] = [];
    const { traces, files } = await traceCells(session, runners, medians, {
      keepGoing: () => true,
      onBatch: (done, total) => progress.push(`${done}/${total}`),
    });
    assert.deepEqual(
      calls.filter((call) => call.startsWith('begin')),
      ['begin lifecycle--koffi', 'begin pio-out--koffi', 'begin pio-out--napi', 'begin immediate-exit--koffi'],
    );
    assert.deepEqual([...traces.keys()], [0, 1, 2, 3]);
    assert.deepEqual(progress, ['1/4', '2/4', '3/4', '4/4']);
    assert.equal(runners[1]?.runs[0], batchSize(950));
    assert.equal(traces.get(1)?.rawFile, 'trace/pio-out--koffi.txt');
    assert.deepEqual(files, [{ name: 'trace/kept.txt', content: 'x' }]);
  });

  it('a stopped run traces nothing more', async () => {
    const runners = runnersOfTwoWorkloads();
    const { session, calls } = recordingSession('perf-record');
    const { traces } = await traceCells(session, runners, mediansOf(runners), { keepGoing: () => false });
    assert.equal(traces.size, 0);
    assert.deepEqual(calls, []);
  });
});

describe('ftrace: interleaved batches per cell', () => {
  it('a warm-up batch, then rounds in which the bindings of a workload take turns, each after untraced samples', async () => {
    const runners = runnersOfTwoWorkloads();
    const { session, calls, discarded } = recordingSession('ftrace');
    const progress: number[] = [];
    const { traces } = await traceCells(session, runners, mediansOf(runners), {
      keepGoing: () => true,
      onBatch: (_done, total) => progress.push(total),
    });
    const begun = calls.filter((call) => call.startsWith('begin ')).map((call) => call.slice('begin '.length));
    // No lifecycle: its many different ioctls have no KVM_RUN split.
    assert.deepEqual(begun.slice(0, 8), [
      'pio-out--koffi--warmup',
      'pio-out--napi--warmup',
      'immediate-exit--koffi--warmup',
      'immediate-exit--napi--warmup',
      'pio-out--koffi--b1',
      'pio-out--napi--b1',
      'immediate-exit--koffi--b1',
      'immediate-exit--napi--b1',
    ]);
    assert.deepEqual(begun.slice(8, 10), ['pio-out--napi--b2', 'pio-out--koffi--b2']);
    assert.equal(begun.length, 4 * (FTRACE_BATCHES + 1));
    assert.equal(calls.filter((call) => call === 'suspend').length, FTRACE_BATCHES);
    assert.deepEqual(new Set(progress), new Set([4 * (FTRACE_BATCHES + 1)]));
    assert.equal(runners[0]?.runs.length, 0);
    // Warm-ups are discarded, and of the agreeing batches all but the median one.
    assert.ok(discarded.includes('pio-out--koffi--warmup'));
    assert.equal(discarded.length, 4 + 4 * (FTRACE_BATCHES - 1));
    const pio = traces.get(1);
    assert.equal(pio?.batches?.length, FTRACE_BATCHES);
    assert.equal(pio?.split?.userspaceTurnaroundNs, 400);
    assert.equal(pio?.rawFile, 'trace/pio-out--koffi--b1.txt');
    assert.equal(pio?.sumCheck?.passed, true);
  });

  it('states the tracing cost against the in-phase untraced samples, with the immediate-exit cells as reference', async () => {
    const runners = runnersOfTwoWorkloads();
    const { session } = recordingSession('ftrace');
    const { traces } = await traceCells(session, runners, mediansOf(runners), { keepGoing: () => true });
    const cost = traces.get(2)?.tracingCost;
    assert.equal(cost?.untracedNsPerIteration, 950);
    assert.equal(cost?.untracedInPhaseNsPerIteration, 1000); // the fake loop's own 1000 ns
    assert.equal(cost?.tracepointShare?.reference, 'immediate-exit cell');
    assert.equal(cost?.tracepointShare?.references, 2);
  });

  it('a stopped run closes nothing it did not open and traces nothing more', async () => {
    const runners = runnersOfTwoWorkloads();
    const { session, calls } = recordingSession('ftrace');
    const { traces } = await traceCells(session, runners, mediansOf(runners), { keepGoing: () => false });
    assert.equal(traces.size, 0);
    assert.deepEqual(
      calls.filter((call) => call.startsWith('begin')),
      [],
    );
    assert.ok(runners.every((runner) => !runner.closed));
  });
});
