/**
 * What tracing costs, on traces recorded on the PVM host: traced round trip - untraced median, the
 * tracepoints' estimated share of the turnaround from the immediate-exit references, and how the
 * terminal and HTML outputs show both.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNs, formatNsInterval } from '../src/format/units.js';
import { renderHtmlReport } from '../src/report/html.js';
import { terminalTable } from '../src/report/terminal.js';
import type { CellTrace, ExitSplit } from '../src/results/trace.js';
import { eventsPerRun, tracingCostOf } from '../src/trace/tracing-cost.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { cellOf, recordedBatch, run } from './helpers/ftrace-fixtures.js';

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
    const turnaround = trace.spread?.userspaceTurnaroundNs as [number, number];
    assert.deepEqual(row?.split(/\s{2,}/), [
      'pio-out',
      'napi',
      formatNs(trace.split?.inKvmRunNs),
      formatNsInterval(spread[0], spread[1]),
      formatNs(trace.split?.userspaceTurnaroundNs),
      formatNsInterval(turnaround[0], turnaround[1]),
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
