/**
 * A workload this KVM cannot run is reported, not measured: its cells are skipped measurements that
 * name the capability it lacks, a results file holding them reads back, and the default run leaves
 * the VMM-design workloads out (they are asked for by name).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { skippedMeasurement } from '../src/bench/analyze.js';
import { lacksCapabilities, workloadNeeds } from '../src/bench/capabilities.js';
import { capabilitiesFor } from '../src/bench/completion.js';
import { planRun } from '../src/bench/plan.js';
import { DEFAULT_WORKLOAD_NAMES, WORKLOAD_NAMES, workloadCatalogue } from '../src/bench/workloads.js';
import { planRunOptions } from '../src/pipeline/run-options.js';
import { validateResults } from '../src/results/read.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

test('a skipped cell names the capability and reads back as part of a results file', () => {
  const workload = workloadCatalogue().find((w) => w.name === 'coalesced-pio');
  assert.ok(workload);
  const plan = planRun({
    workloads: ['coalesced-pio'],
    bindings: ['c-loop', 'napi'],
    rounds: 1,
    timePerRoundMs: 1,
    warmupMs: 0,
    quick: true,
    cpuidK: 8,
  });
  const skipped = plan.cells.map((cell) => skippedMeasurement(cell, lacksCapabilities(['KVM_CAP_COALESCED_PIO'])));
  assert.deepEqual(
    skipped.map((m) => [m.workload, m.binding, m.status, m.error]),
    [
      ['coalesced-pio', 'c-loop', 'skipped', 'this KVM lacks KVM_CAP_COALESCED_PIO: skipped'],
      ['coalesced-pio', 'napi', 'skipped', 'this KVM lacks KVM_CAP_COALESCED_PIO: skipped'],
    ],
  );
  const results = makeFixtureResults();
  results.measurements.push(...skipped);
  const read = validateResults(JSON.parse(JSON.stringify(results)), 'a run with skipped cells');
  assert.equal(read.measurements.filter((m) => m.status === 'skipped').length, 2);
});

test('each completion names the capabilities it needs', () => {
  assert.deepEqual(Object.keys(capabilitiesFor('ioeventfd', true)), ['KVM_CAP_IOEVENTFD']);
  assert.deepEqual(Object.keys(capabilitiesFor('ioeventfd', false, { length: 0 })), [
    'KVM_CAP_IOEVENTFD',
    'KVM_CAP_IOEVENTFD_NO_LENGTH',
  ]);
  assert.deepEqual(Object.keys(capabilitiesFor('coalesced', false)), ['KVM_CAP_COALESCED_MMIO']);
  assert.deepEqual(Object.keys(capabilitiesFor('coalesced', true)), [
    'KVM_CAP_COALESCED_MMIO',
    'KVM_CAP_COALESCED_PIO',
  ]);
});

test('the irqfd workload needs an in-kernel irqchip and KVM_IRQFD; a plain exit workload needs nothing', () => {
  const byName = (name: string) => workloadCatalogue().find((w) => w.name === name);
  assert.deepEqual(workloadNeeds(byName('irqfd') as NonNullable<ReturnType<typeof byName>>), {
    KVM_CAP_IRQCHIP: 0,
    KVM_CAP_IRQFD: 32,
  });
  assert.deepEqual(workloadNeeds(byName('pio-out') as NonNullable<ReturnType<typeof byName>>), {});
  assert.equal(
    lacksCapabilities(['KVM_CAP_IRQCHIP', 'KVM_CAP_IRQFD']),
    'this KVM lacks KVM_CAP_IRQCHIP and KVM_CAP_IRQFD: skipped',
  );
});

test('a run without --workloads leaves the VMM-design workloads out; --workloads names them', () => {
  const design = [
    'ioeventfd-pio',
    'ioeventfd-mmio',
    'ioeventfd-pio-datamatch',
    'ioeventfd-mmio-any-length',
    'coalesced-pio',
    'coalesced-mmio',
    'irqfd',
  ];
  assert.deepEqual(
    WORKLOAD_NAMES.filter((name) => !DEFAULT_WORKLOAD_NAMES.includes(name)),
    design,
  );
  assert.deepEqual(planRunOptions({}).workloads, DEFAULT_WORKLOAD_NAMES);
  assert.deepEqual(planRunOptions({ workloads: 'coalesced-pio,pio-out' }).workloads, ['coalesced-pio', 'pio-out']);
});
