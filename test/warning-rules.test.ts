/**
 * The rule lists that make a run's and a comparison's warnings: each rule a named function, listed
 * once, and the list (in its order) is what assembles the warnings users read.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RUN_WARNING_RULES, type RunWarningContext, runWarnings } from '../src/bench/warnings.js';
import { compareResults } from '../src/compare/compare-results.js';
import { COMPARISON_WARNING_RULES, comparisonWarnings } from '../src/compare/warnings.js';
import type { CellTrace } from '../src/results/trace.js';
import type { Measurement } from '../src/results/types.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

/** Each entry a function with its own name, no name twice. */
function assertNamedOnce(rules: readonly ((...args: never[]) => unknown)[]): void {
  const names = rules.map((rule) => rule.name);
  for (const [i, name] of names.entries()) assert.ok(name.length > 0, `rule ${i} is an anonymous function`);
  assert.equal(new Set(names).size, names.length, `a rule is listed twice: ${names.join(', ')}`);
  assert.equal(new Set(rules).size, rules.length);
}

/** Fixture cells, each given one problem a measurement rule warns of. */
function troubledMeasurements(): Measurement[] {
  const cells = makeFixtureResults().measurements.filter((m) => m.stats);
  const [a, b, c, d, e, f, g, h, i] = cells.map((m) => structuredClone(m)) as Measurement[] as [
    Measurement,
    Measurement,
    Measurement,
    Measurement,
    Measurement,
    Measurement,
    Measurement,
    Measurement,
    Measurement,
  ];
  a.status = 'failed';
  a.error = 'guest failure';
  b.status = 'suspect';
  b.error = 'KVM counted 3 more exits';
  c.exitCountCheck = { ...(c.exitCountCheck as NonNullable<Measurement['exitCountCheck']>), notCounted: 'io_exits' };
  d.emulatedInstructionsPerIteration = 2;
  if (e.stats) e.stats = { ...e.stats, cv: 0.5, ciConfidence: 0.75, turns: 3 };
  f.calibration = { probeNsPerIteration: 1, emptyBatchNs: 10_000, sampleNs: 100_000, harnessShare: 0.1 };
  g.workload = 'lifecycle';
  g.calibration = {
    probeNsPerIteration: 1,
    emptyBatchNs: 1,
    sampleNs: 1e7,
    harnessShare: 1e-7,
    jitWarmupIterations: 10,
  };
  h.guestClock = { status: 'unusable', note: "the guest's TSC did not advance" } as Measurement['guestClock'];
  h.interruptedRuns = 2;
  i.trace = { mode: 'ftrace', disagreement: { batches: [1], detail: 'batch 2: slow' } } as CellTrace;
  return [a, b, c, d, e, f, g, h, i];
}

/** A run in which every rule has something to say. */
function troubledRun(): RunWarningContext {
  return {
    measurements: troubledMeasurements(),
    options: { injectDelayNs: { napi: 2000 } },
    harness: {
      targetSampleNs: 500_000,
      jitWarmup: { iterations: { lifecycle: 600 }, maxMs: 3500 },
      longestBlockMs: { calibrate: 250, measure: 20 },
    },
    host: { pvm: true, hardwareCounters: false },
    interrupted: true,
    unsupported: new Map([['coalesced-pio', ['KVM_CAP_COALESCED_PIO']]]),
    traceFailure: 'tracing failed: perf was killed',
    processNotes: ['process 1 of 2 wrote no results (killed by SIGKILL)'],
  };
}

describe('run warnings', () => {
  test('every rule is a named function, listed once', () => {
    assertNamedOnce(RUN_WARNING_RULES);
  });

  test('the list makes the warnings: every rule speaks, in list order', () => {
    const context = troubledRun();
    const byRule = RUN_WARNING_RULES.map((rule) => rule(context));
    for (const [i, said] of byRule.entries())
      assert.ok(said.length > 0, `${RUN_WARNING_RULES[i]?.name} says nothing about a troubled run`);
    assert.deepEqual(runWarnings(context), byRule.flat());
  });

  test('the run-level sentences, in the order a run lists them', () => {
    const warnings = runWarnings(troubledRun());
    const expected = [
      "--inject-delay-ns made napi=2000 ns slower after every KVM_RUN on purpose (a check of compare): these rows are not the bindings' own cost",
      'tracing failed: perf was killed',
      'the run was interrupted: these are the samples taken until then',
      'process 1 of 2 wrote no results (killed by SIGKILL)',
    ];
    assert.deepEqual(warnings.slice(0, 4), expected);
    assert.deepEqual(warnings.slice(-3), [
      "KVM here runs through PVM (no hardware virtualisation): exit costs include PVM's own world switches",
      'hardware perf counters are not available on this host: times only, no cycle or instruction counts',
      'the event loop was blocked for up to 250 ms while calibrating: a Ctrl-C could wait that long to be seen (one step of the work takes that long here)',
    ]);
  });

  test('a workload this KVM cannot run is named with the capability it lacks', () => {
    assert.ok(runWarnings(troubledRun()).includes('coalesced-pio skipped: this KVM lacks KVM_CAP_COALESCED_PIO'));
  });

  test('a clean run has no warnings', () => {
    const measurements = makeFixtureResults().measurements.filter((m) => m.status === 'ok' && !m.exitCountCheck);
    const calm = measurements.map((m) => (m.stats ? { ...m, stats: { ...m.stats, cv: 0.01, ciConfidence: 0.96 } } : m));
    assert.deepEqual(
      runWarnings({ measurements: calm, host: { pvm: false, hardwareCounters: true }, interrupted: false }),
      [],
    );
  });
});

describe('comparison warnings', () => {
  test('every rule is a named function, listed once', () => {
    assertNamedOnce(COMPARISON_WARNING_RULES);
  });

  test('the list makes the warnings, in list order', () => {
    const baseline = makeFixtureResults();
    const interrupted = makeFixtureResults({ run: { id: 'cut-short', status: 'incomplete' } });
    const comparison = compareResults(baseline, interrupted, { allowDifferentHosts: true });
    const context = { baselines: [baseline, baseline], currents: [interrupted], comparison, newlyFailing: [] };
    const byRule = COMPARISON_WARNING_RULES.map((rule) => rule(context));
    const warnings = comparisonWarnings(context.baselines, context.currents, comparison, []);
    assert.deepEqual(warnings, byRule.flat());
    assert.match(warnings[0] ?? '', /is on both sides or given twice/);
    assert.match(warnings[1] ?? '', /^the current run \(cut-short\) was interrupted/);
  });
});
