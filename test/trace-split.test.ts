/**
 * The ftrace split of one batch and of one cell's batches, on traces recorded on the PVM host
 * (test/helpers/ftrace-fixtures.ts): the sum rule per batch, disturbed round trips left out of the
 * parts, several batches reduced to a median that one bad batch cannot move, and rounds in which the
 * host was slow for every cell left out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellTrace, ExitSplit, TracedBatch } from '../src/results/trace.js';
import { SUM_TOLERANCE, sumDeviation, summarizeBatches } from '../src/trace/batch-summary.js';
import { parseTrace, splitExits } from '../src/trace/ftrace-parse.js';
import { hostSlowRounds } from '../src/trace/slow-rounds.js';
import { traceWarnings } from '../src/trace/split-warnings.js';
import {
  cellOf,
  delayAfter,
  loopNsOf,
  pidOf,
  recorded,
  recordedBatch,
  run,
  stretch,
} from './helpers/ftrace-fixtures.js';

describe('recorded PVM batches: the split and the sum rule', () => {
  for (const name of ['pio-out--c-loop--b5', 'hlt--napi--b4', 'immediate-exit--c-loop--b3']) {
    it(`${name}: splits close to what results.json recorded, and adds up to the loop's clock within 3 %`, () => {
      const { split, batch } = recordedBatch(name);
      assert.equal(split.runs, batch.runs);
      assert.equal(split.runs, batch.iterations, 'one KVM_RUN per iteration: no event lost');
      // results.json holds the means over the calm round trips; the split takes the median over
      // ~0.5 ms chunks of those means, which agrees with them on a calm batch.
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

describe('a host slow for every cell at once', () => {
  // Recorded while other work loaded the 2 cores: traced rounds 1-3 were ~30 % slower for every
  // cell of both workloads, rounds 4-5 were not (results.json holds every round, none left out).
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
