/**
 * Reliability on real KVM and real signals: no fd leaks over a few hundred VMs per binding, guest
 * faults reported with guest, binding, exit and registers, and an interrupted run that tears
 * everything down and still writes what it measured.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hereCell } from '../src/bench/plan.js';
import { soak } from '../src/bench/soak.js';
import { CLI, kvmbench, runFolders } from './helpers/cli.js';
import { perfAttachedTo } from './helpers/interrupt.js';
import { HERE_BINDINGS as BINDING_NAMES, kvmSkip } from './helpers/kvm.js';
import { perfSkip } from './helpers/perf.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-reliability-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('no leaks', { skip: kvmSkip }, () => {
  for (const binding of BINDING_NAMES) {
    test(`${binding}: 300 VM lifecycles leave no fd behind`, () => {
      const result = soak(binding, 300);
      assert.equal(result.fdsAfter, result.fdsBefore, `fds grew from ${result.fdsBefore} to ${result.fdsAfter}`);
    });
  }
});

describe('interrupts', { skip: kvmSkip }, () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} mid-run writes the samples so far marked incomplete and exits ${code}`, async () => {
      const out = join(scratch, signal);
      const child = spawn(
        process.execPath,
        [CLI, 'run', '--processes', '1', '--rounds', '50', '--time-per-round', '50', '--out', out],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      // Wait until measuring has begun (the first progress line), then interrupt.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no progress within 60 s: ${stderr}`)), 60_000);
        child.stderr.on('data', () => {
          if (/kvmbench: measuring/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill(signal);
      const status = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      assert.equal(status, code, stderr);
      const [folder] = runFolders(out);
      assert.ok(folder, 'a run folder was written');
      const results = JSON.parse(readFileSync(join(out, folder, 'results.json'), 'utf8'));
      assert.equal(results.run.status, 'incomplete');
      assert.ok(results.measurements.some((m: { samples: number[] }) => m.samples.length > 0));
      assert.match(results.warnings[0], /interrupted/);
    });
  }
});

/** kvmbench's perf control folders are named after the process that made them. */
const perfTempDirsOf = (pid: number) =>
  readdirSync(tmpdir()).filter((name) => name.startsWith(`kvmbench-perf-stat-${pid}-`));

describe('SIGINT while tracing', { skip: kvmSkip || perfSkip }, () => {
  test('stops perf, removes its files, writes the measurements with a warning and exits 130', async () => {
    const out = join(scratch, 'sigint-tracing');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--quick',
        '--workloads',
        'pio-out,null-ioctl',
        '--trace',
        'perf-stat',
        '--format',
        'json',
        '--out',
        out,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // perf attaches only in the trace phase, after the measured rounds: interrupt once it is there.
    const deadline = Date.now() + 600_000;
    let seen: number[] = [];
    while (seen.length === 0 && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = perfAttachedTo(child.pid as number);
    }
    assert.ok(seen.length > 0, `no perf process appeared: ${stderr}`);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    for (const pid of seen) assert.ok(!existsSync(`/proc/${pid}`), `perf ${pid} still runs after kvmbench exited`);
    assert.deepEqual(perfTempDirsOf(child.pid as number), [], 'perf control FIFOs removed');
    const [folder] = runFolders(out);
    assert.ok(folder, 'a run folder was written');
    const results = JSON.parse(readFileSync(join(out, folder, 'results.json'), 'utf8'));
    assert.equal(results.run.status, 'complete', 'the measured rounds had finished');
    assert.ok(results.measurements.every((m: { samples: number[] }) => m.samples.length > 0));
    assert.ok(results.warnings.some((w: string) => /tracing was interrupted/.test(w)));
  });
});

describe('a second Ctrl-C', { skip: kvmSkip }, () => {
  test('exits at once with 130, still tearing down', async () => {
    const out = join(scratch, 'twice');
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--processes', '1', '--rounds', '50', '--time-per-round', '50', '--out', out],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress within 60 s: ${stderr}`)), 60_000);
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (/round 1/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const started = Date.now();
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    assert.equal(status, 130);
    assert.ok(Date.now() - started < 10_000, 'it did not wait for the run to finish');
  });
});

describe('guest faults', { skip: kvmSkip }, () => {
  test('two runs at once both finish in separate folders', async () => {
    const out = join(scratch, 'concurrent');
    const runOnce = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [CLI, 'run', '--quick', '--workloads', 'pio-out,lifecycle', '--format', 'json', '--out', out],
          {
            stdio: 'ignore',
          },
        );
        child.on('exit', resolve);
      });
    const codes = await Promise.all([runOnce(), runOnce()]);
    assert.deepEqual(codes, [0, 0]);
    const folders = runFolders(out);
    assert.equal(folders.length, 2);
    for (const folder of folders) {
      const results = JSON.parse(readFileSync(join(out, folder, 'results.json'), 'utf8'));
      assert.ok(results.measurements.every((m: { status: string }) => m.status === 'ok'));
    }
  });

  test('hello through every binding exits 0 and prints 4 and Hello', () => {
    for (const binding of BINDING_NAMES) {
      const result = kvmbench(['hello', '--binding', binding]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^4\nHello\n/);
    }
  });
});

describe('a failing benchmark', { skip: kvmSkip }, () => {
  test('is recorded as failed with guest, binding, exit and registers while the others go on', async () => {
    const { openCellRunner } = await import('../src/bench/cell.js');
    const { sizeBatches, runRounds } = await import('../src/bench/scheduler.js');
    const { workloadCatalogue } = await import('../src/bench/workloads.js');
    const { loadGuest } = await import('../src/guests/manifest.js');
    const { getBinding } = await import('../src/bindings/registry.js');
    const { Kvm } = await import('../src/kvm/system.js');
    const catalogue = workloadCatalogue();
    const pioIn = catalogue.find((w) => w.name === 'pio-in');
    const pioOut = catalogue.find((w) => w.name === 'pio-out');
    assert.ok(pioIn && pioOut);
    for (const name of BINDING_NAMES) {
      const binding = getBinding(name);
      const kvm = Kvm.open(binding);
      // rbx=5: the guest expects 5 first, the host supplies 0, so the guest reports a mismatch.
      const broken = openCellRunner(
        hereCell({ index: 0, workload: pioIn, binding: name, guest: loadGuest('pio-in', { rbx: 5n }) }),
        binding,
        kvm,
      );
      const healthy = openCellRunner(
        hereCell({ index: 1, workload: pioOut, binding: name, guest: loadGuest('pio-out') }),
        binding,
        kvm,
      );
      try {
        const control = { stopped: () => false };
        const calibration = await sizeBatches([[broken], [healthy]], { warmupMs: 2, jitWarmupMaxMs: 0 }, control);
        const rounds = await runRounds(
          [[broken], [healthy]],
          calibration,
          { rounds: 2, timePerRoundMs: 5, runStartMs: performance.now() },
          control,
        );
        assert.equal(rounds.completed, true);
        const failed = rounds.cells.get(0);
        const measured = rounds.cells.get(1);
        assert.match(failed?.error ?? '', new RegExp(`guest 'pio-in' on binding '${name}'.*port 0xef.*rip=0x`));
        assert.ok(measured && measured.error === undefined && measured.samples.length > 0);
      } finally {
        broken.close();
        healthy.close();
        kvm.close();
      }
    }
  });
});

describe('inputs that are not what they should be', () => {
  test('a guest image that is a directory is named, with the fix; exit 2', () => {
    // A copy of the built tree whose hello.bin is a directory; the checkout itself stays untouched.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const copy = join(scratch, 'tree');
    mkdirSync(join(copy, 'src', 'native', 'build'), { recursive: true });
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(root, 'guests'), join(copy, 'guests'), { recursive: true });
    cpSync(join(root, 'src', 'native', 'build', 'Release'), join(copy, 'src', 'native', 'build', 'Release'), {
      recursive: true,
    });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const image = join(copy, 'guests', 'build', 'hello.bin');
    rmSync(image);
    mkdirSync(image);
    const result = spawnSync(process.execPath, [join(copy, 'dist', 'src', 'cli', 'main.js'), 'hello'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(
      result.stderr,
      /guest image \S+guests\/build\/hello\.bin is a directory, not a file: remove it and run `npm run build:guests`/,
    );
  });

  test('npm run soak -- --help prints the usage and exits 0', () => {
    const script = fileURLToPath(new URL('../../scripts/soak.mjs', import.meta.url));
    const result = spawnSync(process.execPath, ['--expose-gc', script, '--help'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^usage: npm run soak \[-- cycles\]/);
  });
});
