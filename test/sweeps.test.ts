/**
 * Sweeps (run --sweep memory|vcpus|vms) and merge: the points as workloads, the growth fit, the
 * sweep runners on real /dev/kvm (memory touch with its checks, dirty log, vCPU creation, worker
 * pools of vCPUs and VMs), the CLI end to end with CSV columns and the report chart, `merge` of two
 * hosts, and the fleet examples parsed.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { planRun } from '../src/bench/plan.js';
import { countPoints, sweepWorkloads } from '../src/bench/sweeps/plan.js';
import { openSweepRunner } from '../src/bench/sweeps/runners.js';
import { getBinding } from '../src/bindings/registry.js';
import { Kvm } from '../src/kvm/system.js';
import { mergeRuns } from '../src/merge/fleet.js';
import { renderFleetHtml } from '../src/merge/fleet-report.js';
import { fitGrowth } from '../src/report/sweeps/fit.js';
import { formatBytesLabel, pointName, pointOfName, SERIES } from '../src/results/sweep-points.js';
import type { Results, RunOptions } from '../src/results/types.js';
import { kvmbench } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { kvmSkip } from './helpers/kvm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MIB = 1024 * 1024;
const host = { cpus: 2, availableBytes: 16 * 1024 * MIB, maxVcpus: 1024, hugePages: 'thp' as const };

describe('sweep points', () => {
  it('names points as workloads and reads the point back from a name', () => {
    assert.equal(pointName({ series: 'memory', size: 4096 }), 'memory@4KiB');
    assert.equal(pointName({ series: 'dirty-log', size: 64 * MIB }), 'dirty-log@64MiB');
    assert.equal(pointName({ series: 'vcpu-exits', size: 3 }), 'vcpu-exits@3');
    assert.equal(formatBytesLabel(1024 * MIB), '1GiB');
    assert.deepEqual(pointOfName('memory-thp@16KiB'), { series: 'memory-thp', size: 16384 });
    assert.deepEqual(pointOfName('vms@4'), { series: 'vms', size: 4 });
    for (const name of ['pio-out', 'memory@3x', 'vms@0', 'nothing@4', 'vcpus@2'])
      assert.equal(pointOfName(name), undefined);
  });

  it('the schema knows every series', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'results.schema.json'), 'utf8'));
    const point = schema.definitions.measurement.properties.point;
    assert.deepEqual([...point.properties.series.enum].sort(), Object.keys(SERIES).sort());
  });

  it('--quick: memory 4 KiB..64 MiB in powers of 4, vCPUs and VMs 1..4 on 2 CPUs', () => {
    const memory = sweepWorkloads('memory', true, host);
    const sizes = memory.filter((name) => name.startsWith('memory@'));
    assert.deepEqual(
      sizes,
      ['4KiB', '16KiB', '64KiB', '256KiB', '1MiB', '4MiB', '16MiB', '64MiB'].map((s) => `memory@${s}`),
    );
    assert.ok(memory.includes('memory-thp@64MiB') && memory.includes('dirty-log@4KiB'));
    assert.deepEqual(sweepWorkloads('vms', true, host), ['vms@1', 'vms@2', 'vms@3', 'vms@4']);
    assert.deepEqual(sweepWorkloads('vcpus', true, host), [
      'vcpu-create@1',
      'vcpu-create@2',
      'vcpu-create@3',
      'vcpu-create@4',
      'vcpu-exits@1',
      'vcpu-exits@2',
      'vcpu-exits@3',
      'vcpu-exits@4',
    ]);
  });

  it('bounds: memory by a quarter of what is available, vCPUs by KVM_CAP_MAX_VCPUS, no huge pages where the host has none', () => {
    const full = sweepWorkloads('memory', false, { ...host, hugePages: undefined }).filter((name) =>
      name.startsWith('memory@'),
    );
    assert.equal(full.at(-1), 'memory@1GiB');
    assert.ok(!sweepWorkloads('memory', false, { ...host, hugePages: undefined }).some((name) => name.includes('thp')));
    const small = sweepWorkloads('memory', false, { ...host, availableBytes: 100 * MIB });
    assert.equal(small.filter((name) => name.startsWith('memory@')).at(-1), 'memory@16MiB');
    assert.deepEqual(
      sweepWorkloads('vcpus', false, { ...host, cpus: 64, maxVcpus: 12 }).filter((n) => n.startsWith('vcpu-exits')),
      [1, 2, 3, 4, 5, 6, 7, 8, 12].map((k) => `vcpu-exits@${k}`),
    );
    assert.deepEqual(countPoints(128), [1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64, 128]);
  });

  it('plans sweep cells only for the bindings that have their loop', () => {
    const options: RunOptions = {
      workloads: ['memory@4KiB', 'vcpu-exits@2'],
      bindings: ['c-loop', 'napi'],
      rounds: 1,
      timePerRoundMs: 1,
      warmupMs: 0,
      quick: true,
      cpuidK: 8,
    };
    const plan = planRun(options);
    assert.deepEqual(
      plan.cells.map((cell) => `${cell.workload.name}/${cell.binding}`),
      ['memory@4KiB/napi', 'vcpu-exits@2/c-loop', 'vcpu-exits@2/napi'],
    );
    assert.equal(plan.cells[0]?.workload.kind, 'sweep');
    assert.equal(plan.cells[0]?.guest?.name, 'memory-touch');
    assert.deepEqual(plan.cells[0]?.workload.point, { series: 'memory', size: 4096 });
    assert.deepEqual(plan.cells[1]?.workload.point, { series: 'vcpu-exits', size: 2 });
  });
});

describe('growth fit', () => {
  const turns = (value: number) => [0.97, 0.99, 1, 1.01, 1.02, 0.98, 1.03].map((f) => f * value);

  it('recovers slope and fixed cost of a straight line, exponent near 1 at the top', () => {
    const fit = fitGrowth([1, 4, 16, 64, 256, 1024].map((units) => ({ units, turns: turns(1000 + 50 * units) })));
    assert.ok(fit);
    assert.ok(Math.abs(fit.slope - 50) < 2, `slope ${fit.slope}`);
    assert.ok(fit.slopeCi95[0] <= fit.slope && fit.slope <= fit.slopeCi95[1]);
    assert.ok(Math.abs(fit.fixed - 1000) < 60, `fixed ${fit.fixed}`);
    assert.ok(fit.exponent > 0.8 && fit.exponent < 1.05, `exponent ${fit.exponent}`);
    assert.deepEqual(fit.departures, []);
  });

  it('names the points a quadratic cost leaves the line at, exponent near 2', () => {
    const fit = fitGrowth([1, 2, 4, 8, 16, 32, 64].map((units) => ({ units, turns: turns(100 * units * units) })));
    assert.ok(fit);
    assert.ok(fit.exponent > 1.8, `exponent ${fit.exponent}`);
    assert.ok(fit.departures.length > 0);
  });

  it('needs two measured points', () => {
    assert.equal(fitGrowth([{ units: 1, turns: [5] }]), undefined);
    assert.equal(
      fitGrowth([
        { units: 1, turns: [5] },
        { units: 2, turns: [] },
      ]),
      undefined,
    );
  });
});

describe('sweep runners on /dev/kvm', { skip: kvmSkip }, () => {
  const open = (workload: string, binding: string) => {
    const plan = planRun({
      workloads: [workload],
      bindings: [binding],
      rounds: 1,
      timePerRoundMs: 1,
      warmupMs: 0,
      quick: true,
      cpuidK: 8,
    });
    const kvm = Kvm.open(getBinding(binding));
    const cell = plan.cells[0];
    assert.ok(cell);
    const runner = openSweepRunner(cell, getBinding(binding), kvm);
    return {
      runner,
      close() {
        runner.close();
        kvm.close();
      },
    };
  };

  for (const workload of ['memory@64KiB', 'memory-thp@4MiB', 'dirty-log@256KiB']) {
    it(`${workload}: every page touched and checked, steps timed, KVM counted the exits`, () => {
      const { runner, close } = open(workload, 'napi');
      try {
        const before = runner.readStats();
        const ns = runner.run(3);
        const after = runner.readStats();
        const steps = runner.lastSteps as Float64Array;
        const count = runner.cell.workload.steps?.length ?? 0;
        assert.equal(steps.length, 3 * count);
        assert.ok(ns > 0 && Math.abs(steps.reduce((a, b) => a + b, 0) - ns) < 1);
        if (before?.exits !== undefined && after?.exits !== undefined) {
          assert.ok(after.exits - before.exits >= 3, 'one OUT exit per iteration at least');
        }
      } finally {
        close();
      }
    });
  }

  it('vcpu-create@3 times three KVM_CREATE_VCPU on fresh VMs', () => {
    const { runner, close } = open('vcpu-create@3', 'koffi');
    try {
      assert.ok(runner.run(2) > 0);
    } finally {
      close();
    }
  });

  for (const binding of ['c-loop', 'napi']) {
    it(`vcpu-exits@2 on ${binding}: two workers, one vCPU each, KVM counts every exit`, () => {
      const { runner, close } = open('vcpu-exits@2', binding);
      try {
        const before = runner.readStats();
        assert.ok(runner.run(0) >= 0);
        assert.ok(runner.run(200) > 0);
        const after = runner.readStats();
        assert.ok(before && after, 'stats of both vCPUs');
        const exits = (after.exits ?? 0) - (before.exits ?? 0);
        assert.ok(exits >= 400 && exits <= 440, `exits ${exits} for 2 x 200 round trips`);
      } finally {
        close();
      }
    });
  }

  it('vms@2: two workers each run a whole VM lifecycle per iteration', () => {
    const { runner, close } = open('vms@2', 'koffi');
    try {
      assert.ok(runner.run(2) > 0);
    } finally {
      close();
    }
  });
});

describe('run --sweep and merge, end to end', { skip: kvmSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-sweeps-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects combinations that do not fit a sweep', () => {
    const result = kvmbench(['run', '--sweep', 'vms', '--workloads', 'pio-out', '--out', dir]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /drop --workloads/);
    assert.match(kvmbench(['run', '--sweep', 'disks', '--out', dir]).stderr, /memory, vcpus, vms/);
  });

  it('vms --quick: CSV point column, chart in the report; merge of two hosts renders both', () => {
    const result = kvmbench(
      ['run', '--sweep', 'vms', '--quick', '--rounds', '2', '--bindings', 'c-loop,napi', '--out', dir],
      {
        timeoutMs: 120_000,
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /growth \(fit over the points/);
    const run = join(dir, readdirSync(dir)[0] as string);
    const csv = readFileSync(join(run, 'summary.csv'), 'utf8').trim().split('\n');
    const header = (csv[0] as string).split(',');
    const vms = header.indexOf('vms');
    assert.ok(vms >= 0 && header.includes('memory_bytes') && header.includes('vcpus'));
    // --quick: 1 to 2x the CPUs, at most 4 (1, 2 on the one-CPU sandbox), each point on both bindings.
    const points = Array.from({ length: Math.min(4, 2 * availableParallelism()) }, (_, i) => String(i + 1));
    assert.deepEqual(
      csv.slice(1).map((line) => line.split(',')[vms]),
      points.flatMap((point) => [point, point]),
    );
    const report = readFileSync(join(run, 'report.html'), 'utf8');
    assert.match(report, /<section id="sweeps">/);
    assert.match(report, /class="chart sweep-chart"/);

    // A second host: a copy whose fingerprint says so.
    const other = join(dir, 'other-host');
    cpSync(run, other, { recursive: true });
    const results = JSON.parse(readFileSync(join(other, 'results.json'), 'utf8')) as Results;
    results.host.hostname = 'second-host';
    results.host.cpuModel = 'Another CPU';
    writeFileSync(join(other, 'results.json'), JSON.stringify(results));
    const fleet = mergeRuns([run, other]);
    assert.deepEqual(
      fleet.hosts.map((h) => h.label),
      [JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')).host.hostname, 'second-host'],
    );
    const page = renderFleetHtml(fleet);
    assert.match(page, /second-host/);
    assert.match(page, /Another CPU/);
    assert.match(page, /class="chart sweep-chart"/);

    const out = join(dir, 'fleets');
    const merged = kvmbench(['merge', run, other, '--out', out]);
    assert.equal(merged.status, 0, merged.stderr);
    const folder = join(out, readdirSync(out)[0] as string);
    assert.deepEqual(readdirSync(folder).sort(), ['fleet.csv', 'fleet.html', 'fleet.json']);
    // A fleet merges again, as one more input; a run already in it is refused, named.
    assert.equal(mergeRuns([folder]).hosts.length, 2);
    assert.throws(
      () => mergeRuns([folder, run]),
      /is given twice \(.*fleet\.json hosts\[\d\]\.runs\[\d\] and .*\): name each run once/,
    );
  });

  it('merge names what is wrong with a bad input', () => {
    const result = kvmbench(['merge', join(dir, 'no-such-run')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /no-such-run/);
  });
});

describe('merge without KVM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-merge-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, results: Results) => {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(results));
    return join(dir, `${name}.json`);
  };

  it('one column per host: runs of one host with different cells share it; repeated cells get their own', () => {
    const full = makeFixtureResults();
    const onlyPio = {
      ...full,
      run: { ...full.run, id: 'run-pio' },
      measurements: full.measurements.filter((m) => m.workload === 'pio-out'),
    };
    const rest = {
      ...full,
      run: { ...full.run, id: 'run-rest' },
      measurements: full.measurements.filter((m) => m.workload !== 'pio-out'),
    };
    const other = makeFixtureResults({ host: { hostname: 'host-b', cpuModel: 'Other CPU' }, run: { id: 'run-b' } });
    const fleet = mergeRuns([
      write('pio', onlyPio),
      write('rest', rest),
      write('b', other),
      write('again', { ...onlyPio, run: { ...onlyPio.run, id: 'run-again' } }),
    ]);
    assert.deepEqual(
      fleet.hosts.map((host) => [host.label, host.runs.map((run) => run.run.id)]),
      [
        [`${full.host.hostname} (run-pio)`, ['run-pio', 'run-rest']],
        ['host-b', ['run-b']],
        [`${full.host.hostname} (run-again)`, ['run-again']],
      ],
    );
    const page = renderFleetHtml(fleet);
    assert.match(page, /Other CPU/);
    assert.match(page, /run-pio; run-rest/);
    assert.ok(!/NaN|undefined/.test(page));
  });

  it('refuses a run given twice, naming both places', () => {
    const one = makeFixtureResults();
    assert.throws(
      () => mergeRuns([write('first', one), write('copy', one)]),
      /run \S+ is given twice \(.*first\.json and .*copy\.json\): name each run once/,
    );
  });

  it('refuses a fleet file of another kind, naming it', () => {
    writeFileSync(join(dir, 'fleet.json'), JSON.stringify({ kind: 'kvmbench-fleet', fleetVersion: 99, hosts: [] }));
    assert.throws(() => mergeRuns([join(dir, 'fleet.json')]), /fleetVersion 1/);
  });
});

describe('fleet examples', () => {
  const parse = (path: string) => {
    const documents = parseAllDocuments(readFileSync(join(ROOT, path), 'utf8'));
    for (const document of documents) assert.deepEqual(document.errors, [], `${path}: ${document.errors.join('; ')}`);
    return documents.map((document) => document.toJS() as Record<string, unknown>);
  };

  it('the GitHub Actions workflow: a matrix of runners uploads results, a final job merges them', () => {
    const [workflow] = parse('.github/workflows/kvmbench-fleet.yml');
    const jobs = workflow?.jobs as Record<
      string,
      { needs?: string; strategy?: { matrix?: { runner?: string[] } }; steps: { run?: string; uses?: string }[] }
    >;
    assert.ok((jobs.measure?.strategy?.matrix?.runner?.length ?? 0) >= 2);
    assert.ok(jobs.measure?.steps.some((step) => step.uses?.startsWith('actions/upload-artifact')));
    assert.equal(jobs.merge?.needs, 'measure');
    assert.ok(jobs.merge?.steps.some((step) => step.uses?.startsWith('actions/download-artifact')));
    assert.ok(jobs.merge?.steps.some((step) => /main\.js merge /.test(step.run ?? '')));
  });

  it('the Kubernetes Indexed Job requests /dev/kvm from the device plugin and writes to a volume; a Job merges', () => {
    const [claim, job] = parse('examples/k8s/kvmbench-fleet.yaml');
    assert.equal(claim?.kind, 'PersistentVolumeClaim');
    const spec = job?.spec as {
      completionMode: string;
      template: {
        spec: {
          containers: {
            resources: { limits: Record<string, string> };
            volumeMounts: { mountPath: string }[];
            args: string[];
          }[];
        };
      };
    };
    assert.equal(job?.kind, 'Job');
    assert.equal(spec.completionMode, 'Indexed');
    const container = spec.template.spec.containers[0];
    assert.equal(container?.resources.limits['devices.kubevirt.io/kvm'], '1');
    assert.equal(container?.volumeMounts[0]?.mountPath, '/results');
    assert.match(container?.args.join(' ') ?? '', /JOB_COMPLETION_INDEX/);
    const [merge] = parse('examples/k8s/kvmbench-merge.yaml');
    const mergeSpec = merge?.spec as { template: { spec: { containers: { args: string[] }[] } } };
    assert.match(mergeSpec.template.spec.containers[0]?.args.join(' ') ?? '', /main\.js merge /);
  });
});
