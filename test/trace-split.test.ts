/**
 * The ftrace split's acceptance rules on traces recorded on the PVM host (test/fixtures/ftrace-pvm/:
 * raw batch captures and the trace parts of results.json): the sum rule per batch, disturbed round
 * trips left out of the parts, several batches reduced to a median that one bad batch cannot move,
 * the tracing cost and the tracepoints' estimated share, and the stability rule across runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { formatNs } from '../src/format/units.js';
import { renderHtmlReport } from '../src/report/html.js';
import { terminalTable } from '../src/report/terminal.js';
import type { CellTrace, ExitSplit, TracedBatch } from '../src/results/trace.js';
import { SUM_TOLERANCE, sumDeviation, summarizeBatches } from '../src/trace/batch-summary.js';
import { parseTrace, splitExits } from '../src/trace/ftrace-parse.js';
import { mergeTraces } from '../src/trace/merge.js';
import { hostSlowRounds } from '../src/trace/slow-rounds.js';
import { traceWarnings } from '../src/trace/split-warnings.js';
import { compareSplits, floorNotLowest } from '../src/trace/stability.js';
import { eventsPerRun, tracingCostOf } from '../src/trace/tracing-cost.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const fixtureUrl = (name: string) => new URL(`../../test/fixtures/ftrace-pvm/${name}`, import.meta.url);
const rawTrace = (name: string) => gunzipSync(readFileSync(fileURLToPath(fixtureUrl(`${name}.txt.gz`)))).toString();

interface RecordedCell {
  workload: string;
  binding: string;
  untracedMedianNs?: number;
  trace?: CellTrace;
}
interface RecordedRun {
  floor: string;
  measurements: RecordedCell[];
}
const recorded = (name: string): RecordedRun => JSON.parse(readFileSync(fileURLToPath(fixtureUrl(name)), 'utf8'));
const run = recorded('run-4-workloads.json');
const threeRuns = [1, 2, 3].map((i) => recorded(`run-${i}-pio-out-hlt.json`));

const cellOf = (r: RecordedRun, workload: string, binding: string) =>
  r.measurements.find((m) => m.workload === workload && m.binding === binding) as RecordedCell;

/** A recorded batch: its raw capture split again, and what results.json says about it. */
function recordedBatch(name: string): { split: ExitSplit; batch: TracedBatch; text: string } {
  const [workload, binding, batchName] = name.split('--') as [string, string, string];
  const text = rawTrace(name);
  const events = parseTrace(text);
  const pid = events.find((event) => event.name === 'sys_enter_ioctl')?.pid as number;
  const batch = cellOf(run, workload, binding).trace?.batches?.[Number(batchName.slice(1)) - 1] as TracedBatch;
  return { split: splitExits(events, pid), batch, text };
}

const loopNsOf = (batch: TracedBatch) => batch.loopNsPerIteration * batch.iterations;

/** Moves every timestamp after the `after`-th KVM_RUN return by `seconds` (a preemption there). */
function delayAfter(text: string, after: number, seconds: number): string {
  let returns = 0;
  return text
    .split('\n')
    .map((line) => {
      const shifted =
        returns >= after
          ? line.replace(/(\d+\.\d{6}):/, (_, ts: string) => `${(Number(ts) + seconds).toFixed(6)}:`)
          : line;
      if (/sys_ioctl -> /.test(line)) returns++;
      return shifted;
    })
    .join('\n');
}

/** Stretches every interval of a capture by `factor` (a batch on a slower moment of the host). */
function stretch(text: string, factor: number): string {
  let origin: number | undefined;
  return text.replace(/(\d+\.\d{6}):/g, (_, ts: string) => {
    origin ??= Number(ts);
    return `${(origin + (Number(ts) - origin) * factor).toFixed(6)}:`;
  });
}

describe('recorded PVM batches: the split and the sum rule', () => {
  for (const name of ['pio-out--c-loop--b5', 'hlt--napi--b4', 'immediate-exit--c-loop--b3']) {
    it(`${name}: splits close to what results.json recorded, and adds up to the loop's clock within 3 %`, () => {
      const { split, batch } = recordedBatch(name);
      assert.equal(split.runs, batch.runs);
      assert.equal(split.runs, batch.iterations, 'one KVM_RUN per iteration: no event lost');
      // Recorded as means over the calm round trips; now the median over ~0.5 ms chunks of those
      // means, which agrees on a calm batch.
      const near = (a: number, b: number) => Math.abs(a / b - 1) < 0.03;
      assert.ok(near(split.inKvmRunNs, batch.inKvmRunNs), `${split.inKvmRunNs} vs ${batch.inKvmRunNs}`);
      assert.ok(
        near(split.userspaceTurnaroundNs, batch.userspaceTurnaroundNs),
        `${split.userspaceTurnaroundNs} vs ${batch.userspaceTurnaroundNs}`,
      );
      assert.equal(split.inGuestNs, undefined, 'PVM fires no kvm_entry / kvm_exit');
      const deviation = sumDeviation(split, loopNsOf(batch));
      assert.ok(Math.abs(deviation) <= SUM_TOLERANCE, `sum rule: ${deviation}`);
      assert.ok(split.headNs !== undefined && split.tailNs !== undefined, 'both markers found');
    });
  }

  it('the busy host disturbed some round trips: they are out of the parts, and in the sum', () => {
    const { split, batch } = recordedBatch('pio-out--c-loop--b5');
    assert.ok((split.disturbedRoundTrips ?? 0) > 0);
    // The disturbed ones hold time of their own: the parts alone fall short of the loop.
    assert.ok(split.roundTripNs * split.runs < loopNsOf(batch));
    assert.ok((split.allInKvmRunNs ?? 0) > split.inKvmRunNs);
  });

  it('a 5 ms preemption in one turnaround moves the sum, not the turnaround', () => {
    const { split, batch, text } = recordedBatch('hlt--napi--b4');
    const delayed = splitExits(parseTrace(delayAfter(text, 100, 0.005)), pidOf(text));
    assert.equal(delayed.disturbedRoundTrips, (split.disturbedRoundTrips ?? 0) + 1);
    assert.ok(
      Math.abs(delayed.userspaceTurnaroundNs - split.userspaceTurnaroundNs) < 0.01 * split.userspaceTurnaroundNs,
    );
    assert.ok(Math.abs(delayed.inKvmRunNs - split.inKvmRunNs) < 0.01 * split.inKvmRunNs);
    // The loop's clock would have seen the 5 ms too; without it the sum rule fails.
    assert.ok(Math.abs(sumDeviation(delayed, loopNsOf(batch) + 5e6)) <= SUM_TOLERANCE);
    assert.ok(sumDeviation(delayed, loopNsOf(batch)) > SUM_TOLERANCE);
  });

  it('a slow phase in part of a batch moves the split no more than a median of samples would', () => {
    const { split, text } = recordedBatch('hlt--napi--b4');
    // The last third of the batch 40 % slower (every interval stretched), as the PVM host's phases do.
    const runs = parseTrace(text).filter((event) => event.name === 'sys_enter_ioctl');
    const cut = (runs[Math.floor((runs.length * 2) / 3)]?.timestamp ?? 0) + 1e-7;
    let shift = 0;
    let previous = cut;
    const slowed = text.replace(/(\d+\.\d{6}):/g, (_, ts: string) => {
      const t = Number(ts);
      if (t <= cut) return `${ts}:`;
      shift += (t - previous) * 0.4;
      previous = t;
      return `${(t + shift).toFixed(6)}:`;
    });
    const phased = splitExits(parseTrace(slowed), pidOf(text));
    assert.ok(Math.abs(phased.inKvmRunNs / split.inKvmRunNs - 1) < 0.03, `${phased.inKvmRunNs} vs ${split.inKvmRunNs}`);
    assert.ok(
      Math.abs(phased.userspaceTurnaroundNs / split.userspaceTurnaroundNs - 1) < 0.05,
      `${phased.userspaceTurnaroundNs} vs ${split.userspaceTurnaroundNs}`,
    );
    // The sum rule still counts every round trip: the slow third is all there.
    const ratio = (phased.allInKvmRunNs ?? 0) / (split.allInKvmRunNs ?? 1);
    assert.ok(ratio > 1.05, `all round trips: ${ratio}`);
  });

  it('a lost KVM_RUN return (a dropped event) fails the sum rule', () => {
    const { batch, text } = recordedBatch('pio-out--c-loop--b5');
    const lines = text.split('\n');
    // Drop 60 returns from the middle: their KVM_RUN and the turnaround after it vanish from the trace.
    let dropped = 0;
    const kept = lines.filter((line, i) => {
      if (i > lines.length / 2 && dropped < 60 && /sys_ioctl -> /.test(line)) {
        dropped++;
        return false;
      }
      return true;
    });
    const split = splitExits(parseTrace(kept.join('\n')), pidOf(text));
    assert.equal(split.runs, batch.runs - 60);
    assert.ok(Math.abs(sumDeviation(split, loopNsOf(batch))) > SUM_TOLERANCE);
  });
});

function pidOf(text: string): number {
  return parseTrace(text).find((event) => event.name === 'sys_enter_ioctl')?.pid as number;
}

describe('several batches per cell', () => {
  it('the median split of recorded batches, their range, and no disagreement', () => {
    const cell = cellOf(run, 'pio-out', 'napi');
    const trace = cell.trace as CellTrace;
    assert.equal(trace.batches?.length, 5);
    assert.equal(trace.disagreement, undefined);
    assert.equal(trace.sumCheck?.passed, true);
    const turns = (trace.batches ?? []).map((b) => b.userspaceTurnaroundNs).sort((a, b) => a - b);
    assert.equal(trace.split?.userspaceTurnaroundNs, turns[2]);
    assert.deepEqual(trace.spread?.userspaceTurnaroundNs, [turns[0], turns[4]]);
  });

  it('one bad batch (every interval 1.5x) is flagged and does not move the median', () => {
    const { split, batch, text } = recordedBatch('pio-out--c-loop--b5');
    const bad = splitExits(parseTrace(stretch(text, 1.5)), pidOf(text));
    const good = { split, iterations: batch.iterations, loopNs: loopNsOf(batch) };
    const captures = [good, good, { split: bad, iterations: batch.iterations, loopNs: 1.5 * loopNsOf(batch) }, good];
    const { trace, medianBatch } = summarizeBatches(captures);
    assert.equal(trace.split?.inKvmRunNs, split.inKvmRunNs);
    assert.equal(trace.split?.userspaceTurnaroundNs, split.userspaceTurnaroundNs);
    assert.deepEqual(trace.disagreement?.batches, [2]);
    assert.match(trace.disagreement?.detail ?? '', /^batch 3: /);
    assert.notEqual(medianBatch, 2);
    assert.equal(trace.sumCheck?.passed, true, 'the bad batch still adds up: it is slow, not broken');
    const warnings = traceWarnings([{ workload: 'pio-out', binding: 'c-loop', trace }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /traced batches of 1 cell\(s\) disagree.*pio-out \/ c-loop \(batch 3/);
  });

  it('a batch that does not add up fails the cell sum check and warns', () => {
    const { split, batch } = recordedBatch('hlt--napi--b4');
    const good = { split, iterations: batch.iterations, loopNs: loopNsOf(batch) };
    const { trace } = summarizeBatches([good, { ...good, loopNs: loopNsOf(batch) * 1.2 }, good]);
    assert.equal(trace.sumCheck?.passed, false);
    assert.ok((trace.sumCheck?.deviation ?? 0) < -SUM_TOLERANCE);
    assert.match(traceWarnings([{ workload: 'hlt', binding: 'napi', trace }])[0] ?? '', /does not add up/);
  });
});

describe('traces from several processes (--trace ftrace --processes N)', () => {
  // The three recorded runs stand in for three processes of one run.
  const parts = threeRuns.map((r, process) => ({ process, trace: cellOf(r, 'pio-out', 'napi').trace as CellTrace }));

  it('merges every batch, tagged with its process, into one median split', () => {
    const merged = mergeTraces(parts) as CellTrace;
    const batches = parts.flatMap((part) => part.trace.batches ?? []);
    assert.equal(merged.batches?.length, batches.length);
    assert.deepEqual(
      merged.batches?.map((b) => b.process),
      parts.flatMap((part) => (part.trace.batches ?? []).map(() => part.process)),
    );
    const kept = batches.filter((b) => !b.hostSlow);
    const middle = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    };
    assert.equal(merged.split?.inKvmRunNs, middle(kept.map((b) => b.inKvmRunNs)));
    assert.equal(merged.split?.userspaceTurnaroundNs, middle(kept.map((b) => b.userspaceTurnaroundNs)));
    assert.equal(
      merged.split?.runs,
      parts.reduce((sum, part) => sum + (part.trace.split?.runs ?? 0), 0),
    );
    assert.ok(parts.some((part) => part.trace.rawFile === merged.rawFile));
  });

  it("states the tracing cost against the processes' untraced medians, with the tracepoint share", () => {
    const merged = mergeTraces(parts) as CellTrace;
    const cost = merged.tracingCost;
    assert.ok(cost);
    const traced = merged.split?.sampledRoundTripNs ?? merged.split?.roundTripNs ?? 0;
    assert.equal(cost.tracedNs, traced);
    assert.equal(cost.costNs, traced - (cost.untracedInPhaseNsPerIteration ?? cost.untracedNsPerIteration));
    if (cost.tracepointShare) {
      assert.equal(
        cost.tracepointShare.turnaroundWithoutNs,
        Math.max(0, (merged.split?.userspaceTurnaroundNs ?? 0) - cost.tracepointShare.turnaroundShareNs),
      );
    }
  });

  it('a batch far from the merged median is flagged with its process', () => {
    const bad = { ...(parts[1]?.trace as CellTrace) };
    bad.batches = (bad.batches ?? []).map((b, i) => (i === 0 ? { ...b, inKvmRunNs: b.inKvmRunNs * 2 } : b));
    const merged = mergeTraces(
      [parts[0], { process: 1, trace: bad }, parts[2]].filter((p) => p !== undefined),
    ) as CellTrace;
    assert.match(merged.disagreement?.detail ?? '', /process 2 batch 1: /);
  });
});

describe('what tracing costs', () => {
  it('PVM records three events per KVM_RUN (sys_enter, kvm_userspace_exit, sys_exit)', () => {
    const { split } = recordedBatch('immediate-exit--c-loop--b3');
    assert.equal(eventsPerRun(split), 3);
  });

  it("cost = traced round trip - untraced median; the turnaround share is the references' median cost per event", () => {
    const pio = cellOf(run, 'pio-out', 'koffi').trace as CellTrace;
    // The base of the cost: the untraced median measured between the traced batches.
    const untracedOf = (trace: CellTrace) => trace.tracingCost?.untracedInPhaseNsPerIteration as number;
    const references = ['c-loop', 'napi', 'koffi', 'koffi-variadic'].map((binding) => {
      const trace = cellOf(run, 'immediate-exit', binding).trace as CellTrace;
      return {
        reference: 'immediate-exit cell' as const,
        untracedNsPerIteration: untracedOf(trace),
        split: trace.split as ExitSplit,
      };
    });
    const cost = tracingCostOf(pio, untracedOf(pio), references);
    assert.equal(cost.costNs, (pio.split?.sampledRoundTripNs as number) - untracedOf(pio));
    const share = cost.tracepointShare;
    assert.ok(share?.estimate);
    assert.equal(share?.references, 4);
    const perEvent = references
      .map((r) => ((r.split.sampledRoundTripNs as number) - r.untracedNsPerIteration) / 3)
      .sort((a, b) => a - b);
    const expected = ((perEvent[1] as number) + (perEvent[2] as number)) / 2;
    assert.ok(Math.abs((share?.turnaroundShareNs ?? 0) - expected) < 1e-6);
    assert.ok(
      Math.abs((share?.turnaroundWithoutNs ?? 0) - ((pio.split?.userspaceTurnaroundNs ?? 0) - expected)) < 1e-6,
    );
    // What the run recorded is what this computes.
    assert.equal(pio.tracingCost?.costNs, cost.costNs);
    assert.deepEqual(pio.tracingCost?.tracepointShare, share);
  });

  it('references that tracing did not slow down give no estimate', () => {
    const pio = cellOf(run, 'pio-out', 'napi').trace as CellTrace;
    const reference = cellOf(run, 'immediate-exit', 'napi').trace as CellTrace;
    const noisy = {
      reference: 'immediate-exit probe' as const,
      untracedNsPerIteration: 1e6,
      split: reference.split as ExitSplit,
    };
    assert.equal(tracingCostOf(pio, 5000, [noisy]).tracepointShare, undefined);
  });

  it('every traced cell of the recorded run states its cost; exit cells their tracepoint share too', () => {
    for (const m of run.measurements.filter((cell) => cell.trace)) {
      assert.ok(m.trace?.tracingCost, `${m.workload}/${m.binding}`);
      const hasRuns = (m.trace?.split?.runs ?? 0) > 0;
      assert.equal(m.trace?.tracingCost?.tracepointShare !== undefined, hasRuns, `${m.workload}/${m.binding}`);
    }
  });

  it('no reference, no estimate', () => {
    const pio = cellOf(run, 'pio-out', 'napi');
    assert.equal(tracingCostOf(pio.trace as CellTrace, 5000).tracepointShare, undefined);
  });
});

describe('across runs: the stability rule and the floor', () => {
  it('three recorded runs of pio-out,hlt: each part of every cell within 10 %', () => {
    const rows = compareSplits(threeRuns.map((r) => r.measurements));
    assert.equal(rows.length, 8);
    for (const row of rows) assert.ok(row.within, `${row.workload}/${row.binding}: ${JSON.stringify(row)}`);
  });

  it('a run whose c-loop turnaround is 20 % higher breaks the rule for that cell only', () => {
    const changed: RecordedRun = JSON.parse(JSON.stringify(threeRuns[1]));
    const cLoop = cellOf(changed, 'pio-out', 'c-loop').trace?.split as ExitSplit;
    cLoop.userspaceTurnaroundNs *= 1.2;
    const rows = compareSplits([threeRuns[0] as RecordedRun, changed].map((r) => r.measurements));
    assert.deepEqual(
      rows
        .filter((row) => !row.within)
        .map((row) => [row.workload, row.binding, row.inKvmRun.within, row.turnaround.within]),
      [['pio-out', 'c-loop', true, false]],
    );
  });

  it("the floor's turnaround is below every other binding's in every recorded run", () => {
    for (const r of [run, ...threeRuns]) assert.deepEqual(floorNotLowest(r.measurements, r.floor), []);
    const swapped: RecordedRun = JSON.parse(JSON.stringify(run));
    (cellOf(swapped, 'hlt', 'c-loop').trace?.split as ExitSplit).userspaceTurnaroundNs = 10_000;
    assert.equal(floorNotLowest(swapped.measurements, 'c-loop').length, 3);
  });
});

describe('a host slow for every cell at once', () => {
  // Recorded while other work loaded the 2 cores: traced rounds 1-3 were ~30 % slower for every
  // cell of both workloads, rounds 4-5 were not (before slow rounds were left out).
  const slowRun = recorded('run-slow-rounds-pio-out-hlt.json');
  const asSplit = (b: TracedBatch): ExitSplit => ({
    runs: b.runs,
    userspaceExits: b.runs,
    pioEvents: 0,
    mmioEvents: 0,
    kernelExits: 0,
    inKvmRunNs: b.inKvmRunNs,
    userspaceTurnaroundNs: b.userspaceTurnaroundNs,
    roundTripNs: b.inKvmRunNs + b.userspaceTurnaroundNs,
  });
  const rounds = slowRun.measurements.map((m) => (m.trace?.batches ?? []).map(asSplit));

  it('finds the rounds in which every cell was slow', () => {
    assert.deepEqual(hostSlowRounds(rounds), [0, 1, 2]);
  });

  it('leaves those rounds out of every cell: the split is then the one of the other runs', () => {
    const cLoop = rounds[0] as ExitSplit[];
    const captures = cLoop.map((split) => ({ split, iterations: split.runs, loopNs: split.runs * split.roundTripNs }));
    const { trace } = summarizeBatches(captures, [0, 1, 2]);
    assert.deepEqual(trace.slowRounds, [0, 1, 2]);
    assert.deepEqual(
      trace.batches?.map((b) => b.hostSlow === true),
      [true, true, true, false, false],
    );
    assert.ok((trace.split?.inKvmRunNs ?? 0) < 8_400, `${trace.split?.inKvmRunNs}`);
    assert.match(
      traceWarnings([{ workload: 'pio-out', binding: 'c-loop', trace }])[0] ?? '',
      /round\(s\) 1, 2, 3 of 5/,
    );
  });

  it("a round slow for one cell only is that cell's disagreement, not the host", () => {
    const one = rounds.map((cell, c) =>
      cell.map((split, r) => (c === 0 && r === 4 ? { ...split, roundTripNs: split.roundTripNs * 2 } : split)),
    );
    assert.deepEqual(hostSlowRounds(one.map((cell) => cell.slice(3))), []);
  });
});

describe('the outputs show the tracing cost and the estimated tracepoint share', () => {
  /** The fixture run with pio-out × napi's trace replaced by the recorded one, one batch disagreeing. */
  function withRecordedTrace() {
    const results = makeFixtureResults({ trace: 'ftrace', traceGuestSplit: false });
    const cell = results.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'napi');
    const trace = structuredClone(cellOf(run, 'pio-out', 'napi').trace as CellTrace);
    trace.disagreement = { batches: [2], detail: 'batch 3: 11000 ns in KVM_RUN, 700 ns turnaround' };
    assert.ok(cell && trace.tracingCost?.tracepointShare);
    cell.trace = trace;
    return { results, trace, share: trace.tracingCost.tracepointShare };
  }

  it('terminal: cost, estimated share, turnaround without it, range and checks', () => {
    const { results, trace, share } = withRecordedTrace();
    const text = terminalTable(results, 1000);
    const row = text.split('\n').find((line) => /^pio-out\s+napi\s+\d/.test(line) && line.includes('disagree'));
    const spread = trace.spread?.inKvmRunNs as [number, number];
    assert.deepEqual(row?.split(/\s{2,}/), [
      'pio-out',
      'napi',
      formatNs(trace.split?.inKvmRunNs),
      `${formatNs(spread[0])} – ${formatNs(spread[1])}`,
      formatNs(trace.split?.userspaceTurnaroundNs),
      `${formatNs(trace.spread?.userspaceTurnaroundNs[0])} – ${formatNs(trace.spread?.userspaceTurnaroundNs[1])}`,
      formatNs(trace.tracingCost?.costNs),
      formatNs(share?.turnaroundShareNs),
      formatNs(share?.turnaroundWithoutNs),
      `batches 3 disagree; ${trace.split?.disturbedRoundTrips} disturbed`,
    ]);
    assert.match(
      text,
      /tracepoints \(est\.\) = the part of the turnaround that is the tracepoints' own work, an estimate/,
    );
  });

  it('HTML: the tracing cost cell, the estimate labelled, the faded share in the chart', () => {
    const { results, trace, share } = withRecordedTrace();
    const page = renderHtmlReport(results);
    assert.ok(page.includes('>tracing cost</th>'));
    assert.ok(page.includes(`tracepoints ≈ ${formatNs(share?.turnaroundShareNs)} of the turnaround (est.)`));
    assert.ok(page.includes(`without ≈ ${formatNs(share?.turnaroundWithoutNs)}`));
    assert.ok(page.includes(formatNs(trace.tracingCost?.costNs)));
    assert.ok(page.includes('batches 3 disagree'));
    assert.ok(page.includes('userspace turnaround: the tracepoints&#39;'), 'the chart draws the estimated share');
    assert.ok(page.includes(`(≈${formatNs(share?.turnaroundWithoutNs)} w/o tracepoints)`));
  });
});

describe('merged traces of a loop without KVM_RUN', () => {
  it('null-ioctl: the tracing cost is its traced loop against the untraced median, not 0 against it', () => {
    const trace = (loopNs: number, untraced: number): CellTrace => ({
      mode: 'ftrace',
      tracedIterations: 1000,
      tracedLoopNsPerIteration: loopNs,
      split: {
        runs: 0,
        userspaceExits: 0,
        pioEvents: 0,
        mmioEvents: 0,
        kernelExits: 0,
        inKvmRunNs: 0,
        userspaceTurnaroundNs: 0,
        roundTripNs: 0,
      },
      batches: [
        {
          iterations: 1000,
          loopNsPerIteration: loopNs,
          runs: 0,
          inKvmRunNs: 0,
          userspaceTurnaroundNs: 0,
          disturbedRoundTrips: 0,
          sumDeviation: 0,
        },
      ],
      tracingCost: { untracedNsPerIteration: untraced, tracedNs: loopNs, costNs: loopNs - untraced },
    });
    const merged = mergeTraces([
      { process: 0, trace: trace(400, 265) },
      { process: 1, trace: trace(420, 275) },
    ]) as CellTrace;
    assert.equal(merged.tracingCost?.tracedNs, 410);
    assert.equal(merged.tracingCost?.costNs, 410 - 270);
  });
});
