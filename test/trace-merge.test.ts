/**
 * One cell's ftrace traces from several processes merged into one (mergeTraces), on traces recorded
 * on the PVM host: the three recorded runs stand in for three processes of one run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellTrace } from '../src/results/trace.js';
import { mergeTraces } from '../src/trace/merge.js';
import { cellOf, threeRuns } from './helpers/ftrace-fixtures.js';

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
