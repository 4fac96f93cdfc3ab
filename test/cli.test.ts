/** The CLI's handling of bad input: a clear message naming the value, exit code 2, nothing written. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, kvmbench } from './helpers/cli.js';
import { cpuBoundMs } from './helpers/cpu-speed.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const badRuns: [string, string[], RegExp][] = [
  ['an unknown workload', ['--workloads', 'pio-out,warp-drive'], /--workloads: unknown name 'warp-drive'/],
  ['an unknown binding', ['--bindings', 'wasm'], /--bindings: unknown name 'wasm'/],
  ['negative rounds', ['--rounds', '-1'], /--rounds must be a whole number from 1/],
  ['zero rounds', ['--rounds', '0'], /--rounds must be a whole number from 1/],
  ['0 ms per round', ['--time-per-round', '0'], /--time-per-round must be a whole number from 1/],
  ['a fractional round count', ['--rounds', '2.5'], /--rounds must be a whole number/],
  ['an unknown format', ['--format', 'json,pdf'], /--format: unknown name 'pdf'/],
  ['a CPU that does not exist', ['--pin', '4096'], /--pin must be a whole number from 0 to/],
  [
    'an unknown vCPU threading design',
    ['--vmm-designs', 'sync,fibres'],
    /--vmm-designs: unknown name 'fibres': choose from sync, worker-vcpu, c-thread-vcpu, koffi-async, all/,
  ],
];

for (const [what, args, message] of badRuns) {
  test(`run refuses ${what} with exit code 2 and writes nothing`, () => {
    const out = join(scratch, what.replace(/\W+/g, '-'));
    const result = kvmbench(['run', '--out', out, ...args]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.throws(() => readdirSync(out), /ENOENT/, 'no output directory was created');
  });
}

test('run refuses an --out that is a file, and leaves the file alone', () => {
  const file = join(scratch, 'not-a-dir');
  writeFileSync(file, 'keep me');
  const result = kvmbench(['run', '--quick', '--out', file]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--out .*not-a-dir is a file, not a directory/);
});

// mkdir there fails with ENOENT although /proc exists: Node's recursive mkdir retried it forever.
test('run refuses an --out where no directory can be made (/proc/…) at once, with exit code 2', () => {
  const result = kvmbench(['run', '--quick', '--out', '/proc/kvmbench-out/run'], { timeoutMs: 30_000 });
  assert.equal(result.status, 2, `status ${result.status}: ${result.stderr}`);
  assert.match(
    result.stderr,
    /--out \/proc\/kvmbench-out\/run is not writable \(ENOENT at \/proc\): choose another directory/,
  );
});

test('hello refuses an unknown binding with exit code 2', () => {
  const result = kvmbench(['hello', '--binding', 'nope']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown binding 'nope': choose one of c-loop, napi, koffi, koffi-variadic/);
});

test('an unknown command exits 2 with help', () => {
  const result = kvmbench(['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});

test('--version and --help exit 0', () => {
  assert.match(kvmbench(['--version']).stdout, /^\d+\.\d+\.\d+/);
  const help = kvmbench(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Examples:/);
});

test('list shows every binding and guest, one line each', () => {
  const result = kvmbench(['list']);
  assert.equal(result.status, 0);
  for (const name of [
    'c-loop',
    'napi',
    'koffi',
    'koffi-variadic',
    'hello',
    'pio-out-long',
    'triple-fault',
    'lifecycle',
    'null-ioctl',
    'immediate-exit',
  ]) {
    assert.match(result.stdout, new RegExp(`^\\s+${name}\\s`, 'm'));
  }
});

test('list shows the vCPU threading designs and what each needs', () => {
  const result = kvmbench(['list']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^vCPU threading designs \(run --vmm-designs\):$/m);
  for (const name of ['sync', 'worker-vcpu', 'c-thread-vcpu', 'koffi-async']) {
    assert.match(result.stdout, new RegExp(`^\\s+${name}\\s`, 'm'));
  }
  const json = JSON.parse(kvmbench(['list', '--json']).stdout) as {
    vmmDesigns: { name: string; binding: string; needs: string }[];
  };
  for (const design of json.vmmDesigns) assert.match(design.needs, /binding/);
  assert.deepEqual(
    json.vmmDesigns.map((design) => `${design.name}:${design.binding}`),
    ['sync:napi', 'worker-vcpu:napi', 'c-thread-vcpu:napi', 'koffi-async:koffi'],
  );
});

test('doctor --json prints valid JSON that matches this host', () => {
  const result = kvmbench(['doctor', '--json']);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    virtualization: { pvm: boolean };
    kvm: { accessible: boolean; apiVersion?: number };
    perf: { hardwareCounters: boolean };
  };
  assert.equal(result.status, report.ok ? 0 : 1);
  assert.equal(typeof report.virtualization.pvm, 'boolean');
  if (report.kvm.accessible) assert.equal(report.kvm.apiVersion, 12);
  assert.equal(typeof report.perf.hardwareCounters, 'boolean');
  // The guest clock's TSC rate and where it came from (sysfs, the kernel log, or counted here).
  const tsc = (report as unknown as { checks: { name: string; detail: string }[] }).checks.find(
    (c) => c.name === 'tsc',
  );
  assert.ok(tsc, 'a tsc line');
  assert.match(tsc.detail, /MHz, (host fingerprint|kernel log|counted)|^unknown/);
});

test('run on a host without KVM names the fix, exits 1 and leaves no run folder', () => {
  const out = join(scratch, 'no-kvm');
  const result = kvmbench(['run', '--quick', '--kvm', '/nonexistent/kvm', '--out', out]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /open \/nonexistent\/kvm failed: ENOENT .*--device \/dev\/kvm/);
  assert.equal(existsSync(out), false, 'no folder was made');
});

test('run against a device that is not KVM says so and exits 1', () => {
  const out = join(scratch, 'not-kvm');
  const result = kvmbench(['run', '--quick', '--kvm', '/dev/null', '--out', out]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /KVM_GET_API_VERSION failed: ENOTTY/);
  assert.equal(existsSync(out), false, 'no folder was made');
});

// Both fail before any VM exists, so they need no /dev/kvm; the run would otherwise be lost at its end.
test('run --trace ftrace without tracefs names the fix and exits 1 before measuring, writing nothing', () => {
  const out = join(scratch, 'no-tracefs');
  const started = performance.now();
  const result = kvmbench(['run', '--quick', '--trace', 'ftrace', '--out', out], {
    env: { ...process.env, KVMBENCH_TRACEFS: join(scratch, 'no-tracefs-here') },
  });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /--trace ftrace needs tracefs, which is not mounted at .*no-tracefs-here: mount it with/);
  assert.ok(performance.now() - started < 30_000, 'it failed before measuring');
  assert.equal(existsSync(out), false, 'no folder was made');
});

for (const mode of ['perf-stat', 'perf-record']) {
  test(`run --trace ${mode} without perf names the package and exits 1 before measuring, writing nothing`, () => {
    const out = join(scratch, `no-perf-${mode}`);
    const result = kvmbench(['run', '--quick', '--trace', mode, '--out', out], {
      env: { ...process.env, PATH: join(scratch, 'empty-path') },
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`--trace ${mode} needs perf: apt-get install linux-perf`));
    assert.equal(existsSync(out), false, 'no folder was made');
  });
}

// Root bypasses file permissions, so the test drops to `nobody`, which only root can do.
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser'].find((path) => existsSync(path));
const asNobodySkip =
  process.getuid?.() !== 0
    ? 'needs root, to run the CLI as nobody'
    : RUNUSER
      ? false
      : 'runuser (util-linux) is not installed';

test('run without permission on the KVM device names its mode and the fix for it, and exits 1', {
  skip: asNobodySkip,
}, (t) => {
  const readable = spawnSync(RUNUSER as string, [
    '-u',
    'nobody',
    '--',
    process.execPath,
    '-e',
    `require('fs').accessSync(${JSON.stringify(CLI)})`,
  ]);
  if (readable.status !== 0) {
    t.skip('nobody cannot read this checkout (it lies in a private directory)');
    return;
  }
  const device = join(scratch, 'kvm-without-permission');
  writeFileSync(device, '');
  chmodSync(device, 0o600);
  const out = join(scratch, 'eacces-out');
  mkdirSync(out);
  chmodSync(scratch, 0o755);
  chmodSync(out, 0o777);
  const result = spawnSync(
    'runuser',
    ['-u', 'nobody', '--', process.execPath, CLI, 'run', '--quick', '--kvm', device, '--out', out],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(result.error, undefined, 'runuser (util-linux) runs');
  assert.equal(result.status, 1, result.stderr);
  // 0600 root:root: no group can open it, so the fix is chmod/chgrp on the host (device-access.test.ts has the rest).
  assert.match(result.stderr, /EACCES .*which is -rw------- root:root \(0600\).*--group-add cannot help.*chmod 0660/);
  assert.deepEqual(readdirSync(out), []);
});

// An empty value (an unset shell variable) is a mistake, not "use the default". The base options
// make a run that would finish in seconds, so a regression shows as exit 0, not as a long run.
const tiny = ['run', '--quick', '--workloads', 'null-ioctl', '--bindings', 'c-loop', '--format', 'json'];
const emptyValues: [string, string[], RegExp][] = [
  ['--workloads', [...tiny, '--workloads', ''], /--workloads was given an empty value/],
  ['--bindings', [...tiny, '--bindings', ''], /--bindings was given an empty value/],
  ['--rounds', [...tiny, '--rounds', ''], /--rounds was given an empty value/],
  ['--time-per-round', [...tiny, '--time-per-round', ''], /--time-per-round was given an empty value/],
  ['--format', [...tiny, '--format', ''], /--format was given an empty value/],
  ['--trace', [...tiny, '--trace', ''], /--trace was given an empty value/],
  [
    '--workloads with only commas',
    [...tiny, '--workloads', ' , '],
    /--workloads was given an empty value|--workloads needs at least one name/,
  ],
];
for (const [what, args, message] of emptyValues) {
  test(`run refuses an empty ${what} with exit code 2 and writes nothing`, () => {
    const out = join(scratch, `empty-${what.replace(/\W+/g, '-')}`);
    const result = kvmbench([...args.slice(0, 1), '--out', out, ...args.slice(1)], { timeoutMs: 60_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.throws(() => readdirSync(out), /ENOENT/, 'no output directory was created');
  });
}

test("run --out '' exits 2 and writes nothing into the working directory", () => {
  const cwd = join(scratch, 'empty-out-cwd');
  mkdirSync(cwd);
  const result = kvmbench([...tiny, '--out', ''], { cwd, timeoutMs: 60_000 });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /--out was given an empty value/);
  assert.deepEqual(readdirSync(cwd), []);
});

test('run --trace with two modes exits 2 instead of silently tracing with the first', () => {
  const out = join(scratch, 'two-traces');
  const result = kvmbench([...tiny, '--trace', 'ftrace,perf-stat', '--out', out], { timeoutMs: 60_000 });
  assert.equal(result.status, 2, result.stderr);
  assert.match(
    result.stderr,
    /--trace takes one name, not 2 \('ftrace,perf-stat'\): choose one of ftrace, perf-stat, perf-record/,
  );
  assert.throws(() => readdirSync(out), /ENOENT/);
});

const otherCommands: [string, string[], RegExp][] = [
  [
    'calibrate --out',
    ['calibrate', '--quick', '--workloads', 'null-ioctl', '--out', ''],
    /--out was given an empty value/,
  ],
  ['calibrate --runs', ['calibrate', '--runs', ''], /--runs was given an empty value/],
  [
    'compare --export-bencher',
    ['compare', 'a', 'b', '--export-bencher', ''],
    /--export-bencher was given an empty value/,
  ],
  ['compare --html', ['compare', 'a', 'b', '--html', ''], /--html was given an empty value/],
  ['report --baseline', ['report', 'a', '--baseline', ''], /--baseline was given an empty value/],
  ['profile --timeout', ['profile', '--clinic', 'doctor', '--timeout', ''], /--timeout was given an empty value/],
  ['profile --clinic with two tools', ['profile', '--clinic', 'doctor,flame'], /--clinic takes one name, not 2/],
  ['hello --binding', ['hello', '--binding', ''], /unknown binding ''/],
];
for (const [what, args, message] of otherCommands) {
  test(`${what} '' (or two names where one goes) exits 2 and names the option`, () => {
    const cwd = join(scratch, `other-${what.replace(/\W+/g, '-')}`);
    mkdirSync(cwd);
    const result = kvmbench(args, { cwd, timeoutMs: 60_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.deepEqual(readdirSync(cwd), [], 'nothing written into the working directory');
  });
}

test('under a low open-file limit every command starts, or says EMFILE with the limit and the fix in one line', () => {
  // Node's loader opens a command's files many at a time: at ulimit -n 32 Node 20's fails before the
  // command runs, Node 22's does not (each command loads only its own modules). Either way, no stack.
  for (const command of ['list', 'doctor', 'run --quick']) {
    const result = spawnSync('bash', ['-c', `ulimit -n 32 && exec "$0" "$1" ${command}`, process.execPath, CLI], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (/too many open files while starting/.test(result.stderr)) {
      assert.equal(result.status, 1, `${command}: ${result.stderr}`);
      assert.match(
        result.stderr,
        /^kvmbench: too many open files while starting \(EMFILE\): the open-file limit is 32 \(ulimit -n\); raise it with `ulimit -n 65536`/,
      );
    }
    // Whatever the command then says (doctor exits 1 without KVM), it ran or explained itself: no crash, no stack.
    assert.notEqual(result.status, null, `${command} was killed by ${result.signal}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${command}: no stack trace: ${result.stderr}`);
  }
});

test('a default run (4 processes) without KVM fails in the parent at once, starting no child, and makes no folder', () => {
  const out = join(scratch, 'no-kvm-default', 'nested');
  const started = performance.now();
  const result = kvmbench(['run', '--workloads', 'pio-out', '--kvm', '/nonexistent/kvm', '--out', out]);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /open \/nonexistent\/kvm failed: ENOENT/);
  assert.doesNotMatch(result.stderr, /process 1 of 4/, 'no measuring child was started');
  assert.ok(performance.now() - started < cpuBoundMs(5000).ms, 'it failed before starting children');
  assert.equal(existsSync(join(scratch, 'no-kvm-default')), false, 'not even the parent of --out was made');
});

test('EAGAIN (a process limit reached) is explained with the limit and the fix', async () => {
  const { resourceHint } = await import('../src/util/resource-hints.js');
  const { ERRNO } = await import('../src/util/errno.js');
  assert.match(resourceHint(ERRNO.EAGAIN) ?? '', /process limit \(ulimit -u is \S+\).*ulimit -u 4096.*--processes 1/);
});

test('run --name refuses a name that is not a plain name, exit 2, writing nothing', () => {
  const out = join(scratch, 'named-out');
  for (const name of ['latest', '../up', 'a b', '']) {
    const result = kvmbench(['run', '--quick', '--name', name, '--out', out]);
    assert.equal(result.status, 2, `${name}: ${result.stderr}`);
    assert.match(result.stderr, name === '' ? /--name was given an empty value/ : /--name '.*': use letters, digits/);
  }
  assert.equal(existsSync(out), false);
});

test("export writes a run's files again in the formats asked, and replaces none without --force", async () => {
  const { makeFixtureResults } = await import('./helpers/fixture-results.js');
  const { writeRun } = await import('./helpers/runs.js');
  const run = writeRun(scratch, 'export-run', makeFixtureResults());
  const out = join(scratch, 'exported');
  const first = kvmbench(['export', run, '--format', 'csv,markdown,github-benchmark', '--out', out]);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['github-benchmark.json', 'results.md', 'samples.csv', 'summary.csv']);
  const again = kvmbench(['export', run, '--format', 'csv', '--out', out]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists; pass --force to replace it/);
  assert.equal(kvmbench(['export', run, '--format', 'csv', '--out', out, '--force']).status, 0);
  const unknown = kvmbench(['export', run, '--format', 'pdf']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--format: unknown name 'pdf'/);
});
