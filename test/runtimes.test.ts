/**
 * run --runtimes: row names, finding runtimes, planning per runtime, the matrix, compare against each
 * runtime's own floor; and, on KVM, every binding of every installed runtime driving real guests (a
 * script run in that runtime) and one run across all of them with every cell checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { missingIrqFdCapabilities } from '../src/bench/irqfd.js';
import { getBinding } from '../src/bindings/registry.js';
import { compareResults } from '../src/compare/compare-results.js';
import { UsageError } from '../src/errors.js';
import { Kvm } from '../src/kvm/system.js';
import { planRunOptions } from '../src/pipeline/run-options.js';
import { runtimeMatrices } from '../src/report/runtime-matrix.js';
import { terminalTable } from '../src/report/terminal.js';
import { floorRowOf, isFloorRow, rowName, splitRow } from '../src/results/rows.js';
import type { Results } from '../src/results/types.js';
import {
  findRuntime,
  parseRuntimeList,
  type Runtime,
  runtimeCommand,
  surveyRuntimes,
} from '../src/runtimes/discover.js';
import { CLI, runFolders } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { kvmSkip } from './helpers/kvm.js';

describe('row names', () => {
  test("kvmbench's own Node keeps plain names; other runtimes prefix theirs; each row's floor is its runtime's", () => {
    assert.equal(rowName('node', 'napi'), 'napi');
    assert.equal(rowName('bun', 'bun-ffi'), 'bun:bun-ffi');
    assert.deepEqual(splitRow('node26:node-ffi'), { runtime: 'node26', binding: 'node-ffi' });
    assert.deepEqual(splitRow('koffi'), { runtime: 'node', binding: 'koffi' });
    assert.equal(floorRowOf('deno:napi', 'c-loop'), 'deno:c-loop');
    assert.equal(floorRowOf('napi', 'c-loop'), 'c-loop');
    assert.ok(isFloorRow('bun:c-loop', 'c-loop') && !isFloorRow('bun:napi', 'c-loop'));
  });
});

describe('finding runtimes', () => {
  test('--runtimes names: unknown, repeated, or node=PATH are usage errors that say what to write', () => {
    assert.throws(
      () => parseRuntimeList('node,perl'),
      (e: Error) => e instanceof UsageError && /unknown runtime 'perl'.*node, node26, bun, deno/.test(e.message),
    );
    assert.throws(() => parseRuntimeList('bun,bun'), /'bun' is named twice/);
    assert.throws(() => parseRuntimeList('node=/usr/bin/node'), /another Node is node26=PATH/);
    assert.deepEqual(parseRuntimeList('node, bun=/opt/bun'), [{ name: 'node' }, { name: 'bun', path: '/opt/bun' }]);
  });

  test('a runtime named by a path that does not run says so, with how to install one', async () => {
    await assert.rejects(
      findRuntime('bun', '/bin/false'),
      (e: Error) =>
        e instanceof UsageError &&
        /does not run.*\/bin\/false --version failed.*npm run runtimes:install/.test(e.message),
    );
    await assert.rejects(
      findRuntime('deno', '/nonexistent/deno'),
      /\/nonexistent\/deno is not an executable.*npm i -D deno/,
    );
  });

  test('Deno runs with its permissions given and node:ffi without its warning; the script comes after the flags', () => {
    const deno: Runtime = {
      name: 'deno',
      kind: 'deno',
      executable: '/d',
      version: '2.9.6',
      flags: ['run', '--allow-all', '--quiet'],
      bindings: [],
    };
    assert.deepEqual(runtimeCommand(deno, 'main.js', ['run']), [
      '/d',
      ['run', '--allow-all', '--quiet', 'main.js', 'run'],
    ]);
  });
});

const fakeRuntime = (
  name: Runtime['name'],
  kind: Runtime['kind'],
  version: string,
  bindings: Runtime['bindings'],
): Runtime => ({
  name,
  kind,
  version,
  executable: `/x/${name}`,
  flags: [],
  bindings,
});

describe('planning per runtime', () => {
  const node = fakeRuntime('node', 'node', '20.20.2', ['c-loop', 'napi', 'koffi', 'koffi-variadic']);
  const bun = fakeRuntime('bun', 'bun', '1.4.5', ['c-loop', 'napi', 'koffi', 'koffi-variadic', 'bun-ffi']);

  test("a runtime's own FFI without that runtime is a usage error naming the runtime to add", () => {
    assert.throws(
      () => planRunOptions({ bindings: 'node-ffi', workloads: 'pio-out' }),
      /node-ffi: node \(node [\d.]+\) cannot run it; it runs under Node >= 26 \(--runtimes node26\)/,
    );
    assert.throws(
      () => planRunOptions({ bindings: 'deno-ffi' }, [node, bun]),
      /deno-ffi: .*it runs under Deno \(--runtimes deno\)/,
    );
  });

  test('by default every binding any runtime runs; --runtimes records the names; sweeps, peers and perf tracing refuse it', () => {
    const options = planRunOptions({ workloads: 'pio-out' }, [node, bun]);
    assert.deepEqual(options.bindings, ['c-loop', 'napi', 'koffi', 'koffi-variadic', 'bun-ffi']);
    assert.deepEqual(options.runtimes, ['node', 'bun']);
    assert.equal(
      planRunOptions({ workloads: 'pio-out' }, [node]).runtimes,
      undefined,
      '--runtimes node alone is the default run',
    );
    assert.throws(
      () => planRunOptions({ peers: 'qemu' }, [node, bun]),
      /--runtimes .* --peers qemu measures in this one/,
    );
    assert.throws(() => planRunOptions({ trace: 'perf-record' }, [node, bun]), /--trace perf-record/);
  });
});

/** The fixture's cells again as measured in Bun, samples scaled: a runtime that is slower all through. */
function withBunRows(results: Results, scale: number): Results {
  const bun = results.measurements.map((m) => ({
    ...m,
    binding: rowName('bun', m.binding),
    runtime: 'bun',
    samples: m.samples.map((s) => s * scale),
    ...(m.stats ? { stats: { ...m.stats, median: m.stats.median * scale } } : {}),
  }));
  const record = {
    name: 'bun',
    kind: 'bun' as const,
    version: '1.4.5',
    engine: 'JavaScriptCore x',
    executable: '/x/bun',
    flags: [],
    bindings: [],
  };
  const node = { ...record, name: 'node', kind: 'node' as const, version: '20.20.2', engine: 'V8 11' };
  return {
    ...results,
    host: { ...results.host, runtimes: [node, record] },
    measurements: [...results.measurements, ...bun],
  };
}

describe('a run with several runtimes', () => {
  const fixture = makeFixtureResults();

  test("compare judges each runtime's rows against that runtime's floor: Bun 1.5x slower all through changes no ratio", () => {
    const comparison = compareResults(withBunRows(fixture, 1), withBunRows(fixture, 1.5));
    const bunNapi = comparison.cells.filter((cell) => cell.binding === 'bun:napi');
    assert.ok(bunNapi.length > 0);
    for (const cell of bunNapi) {
      assert.equal(cell.basis, 'ratio-to-floor', `${cell.workload}: judged on the ratio to bun:c-loop`);
      assert.equal(cell.verdict, 'no significant change', `${cell.workload}: ${cell.verdict}`);
      assert.ok(Math.abs((cell.currentOverFloor ?? 0) / (cell.baselineOverFloor ?? 1) - 1) < 1e-9);
    }
    const bunFloor = comparison.cells.find((cell) => cell.binding === 'bun:c-loop' && cell.workload === 'pio-out');
    assert.equal(bunFloor?.gates, false, "the floor of each runtime is judged apart, as kvmbench's own");
  });

  test('the matrix puts runtimes down and bindings across, each runtime FFI in one column, and names the cheapest JS path', () => {
    const results = withBunRows(fixture, 0.5);
    results.measurements.push({
      ...(results.measurements.find(
        (m) => m.binding === 'bun:napi' && m.workload === 'pio-out',
      ) as Results['measurements'][number]),
      binding: 'bun:bun-ffi',
    });
    const pioOut = runtimeMatrices(results).find((matrix) => matrix.workload === 'pio-out');
    assert.deepEqual(pioOut?.runtimes, ['node', 'bun']);
    assert.deepEqual(pioOut?.columns, ['c-loop', 'napi', 'koffi', 'koffi-variadic', 'own FFI']);
    assert.equal(pioOut?.cells.get('bun')?.get('own FFI')?.row, 'bun:bun-ffi');
    assert.match(pioOut?.cheapest?.row ?? '', /^bun:/, 'half the time: a Bun row is the cheapest');
    assert.match(
      terminalTable(results),
      /Runtime x binding[\s\S]*pio-out:[\s\S]*cheapest JS path: bun:[\s\S]*own FFI: bun-ffi in bun/,
    );
  });
});

const PROBE = fileURLToPath(new URL('./helpers/runtime-probe.js', import.meta.url));
/** CI installs the runtimes (npm run runtimes:install) and sets this: a missing one then fails instead of skipping. */
const REQUIRED = process.env.KVMBENCH_REQUIRE_RUNTIMES === '1';

/** Whether this KVM runs the irqfd workload (the probe runs it only then). */
function irqfdRuns(): boolean {
  const kvm = Kvm.open(getBinding('napi'));
  try {
    return missingIrqFdCapabilities(kvm).length === 0;
  } finally {
    kvm.close();
  }
}

describe('every runtime on KVM', { skip: kvmSkip }, async () => {
  const surveyed = await surveyRuntimes();
  const irqfdHere = !kvmSkip && irqfdRuns();
  for (const entry of surveyed) {
    const skip = entry.runtime || REQUIRED ? false : `${entry.name} is not installed (npm run runtimes:install)`;
    test(`${entry.name}: every binding it runs drives each exit kind, and a wrong exit fails its cell`, {
      skip,
    }, async () => {
      assert.ok(entry.runtime, `${entry.name}: ${entry.problem}`);
      const [file, args] = runtimeCommand(entry.runtime, PROBE, []);
      const child = await execa(file, args, { reject: false, timeout: 600_000, stdin: 'ignore' });
      assert.equal(child.exitCode, 0, String(child.stderr));
      const report = JSON.parse(String(child.stdout).trim().split('\n').at(-1) ?? '{}');
      assert.equal(report.runtime.kind, entry.runtime.kind);
      assert.deepEqual(Object.keys(report.bindings), entry.runtime.bindings);
      for (const [binding, result] of Object.entries(report.bindings) as [
        string,
        { iterations: Record<string, number>; brokenError?: string; error?: string },
      ][]) {
        assert.equal(result.error, undefined, `${entry.name} ${binding}: ${result.error}`);
        for (const kind of ['pio-out', 'pio-in', 'mmio-write', 'mmio-read', 'hlt', 'null-ioctl']) {
          assert.equal(result.iterations[kind], 200, `${entry.name} ${binding} ${kind}`);
        }
        if (irqfdHere) assert.equal(result.iterations.irqfd, 200, `${entry.name} ${binding} irqfd`);
        assert.match(
          result.brokenError ?? 'no error',
          /pio-in/,
          `${entry.name} ${binding}: the wrong IN value must fail the cell`,
        );
      }
    });
  }

  const present = surveyed.filter((entry) => entry.runtime).map((entry) => entry.name);
  test(`run --quick --runtimes ${present.join(',')}: every runtime x binding cell measured and checked in one results file`, {
    skip: present.length < 2 ? 'only one runtime here' : false,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'kvmbench-runtimes-'));
    try {
      const child = await execa(
        process.execPath,
        [
          CLI,
          'run',
          '--quick',
          '--runtimes',
          present.join(','),
          '-w',
          'pio-out,mmio-read,lifecycle',
          '--rounds',
          '3',
          '--format',
          'json',
          '--out',
          out,
        ],
        { reject: false, timeout: 1_200_000, stdin: 'ignore' },
      );
      assert.equal(child.exitCode, 0, String(child.stderr));
      const [folder] = runFolders(out);
      const results = JSON.parse(readFileSync(join(out, folder as string, 'results.json'), 'utf8')) as Results;
      assert.deepEqual(
        results.host.runtimes?.map((r) => r.name),
        present,
      );
      for (const runtime of results.host.runtimes ?? []) {
        assert.doesNotMatch(runtime.engine, /unknown/, runtime.name);
        for (const row of runtime.bindings) {
          for (const workload of ['pio-out', 'mmio-read', 'lifecycle']) {
            const m = results.measurements.find((cell) => cell.binding === row && cell.workload === workload);
            assert.equal(m?.status, 'ok', `${workload} / ${row}: ${m?.error}`);
            if (workload !== 'lifecycle') assert.notEqual(m?.exitCountCheck?.matched, false, `${workload} / ${row}`);
            if (!isFloorRow(row, 'c-loop'))
              assert.ok(m?.overheadVsFloor, `${workload} / ${row} has a ratio to its own floor`);
          }
        }
      }
      assert.ok(readdirSync(join(out, folder as string)).includes('results.json'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
