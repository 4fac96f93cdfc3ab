/**
 * Ctrl-C in each phase of a real `kvmbench run`, sent as a terminal sends it (to the whole process
 * group, perf included): the run ends within a bound, writes what it measured, leaves no perf, FIFO
 * or temporary file behind. A second Ctrl-C ends it within 1 s in every phase. To cover another
 * phase, add a case with the stderr marker (or predicate) that says the phase has begun.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { childrenOf, interruptRun, perfAttachedTo } from './helpers/interrupt.js';
import { kvmSkip } from './helpers/kvm.js';
import { perfSkip } from './helpers/perf.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-interrupts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const quick = (out: string, trace: string, workloads = 'null-ioctl', bindings = 'napi') => [
  'run',
  '--quick',
  '--workloads',
  workloads,
  '--bindings',
  bindings,
  '--trace',
  trace,
  '--format',
  'json',
  '--out',
  out,
];

/** The one run folder's results.json. */
function resultsIn(out: string) {
  const folders = readdirSync(out);
  assert.equal(folders.length, 1, `one run folder in ${out}: ${folders.join(', ')}`);
  return JSON.parse(readFileSync(join(out, folders[0] as string, 'results.json'), 'utf8'));
}

/** Temporary folders and files kvmbench names after a process. */
const tempFilesOf = (pid: number) => readdirSync(tmpdir()).filter((name) => name.includes(`-${pid}-`));

/** perf attached to kvmbench itself or to its re-executed child (perf-record). */
const perfOf = (pid: number) => [pid, ...childrenOf(pid)].flatMap((p) => perfAttachedTo(p));

describe('Ctrl-C in the perf trace phase', { skip: kvmSkip || perfSkip }, () => {
  test('perf-stat: exits 130 within seconds, measurements written, perf and its FIFOs gone', async () => {
    const out = join(scratch, 'perf-stat-once');
    let seen: number[] = [];
    const result = await interruptRun(quick(out, 'perf-stat'), {
      when: (pid) => {
        seen = perfOf(pid);
        return seen.length > 0;
      },
      exitTimeoutMs: 10_000,
    });
    assert.ok(result.interrupted, `perf never attached: ${result.stderr}`);
    assert.ok(!result.hung, `kvmbench hung after Ctrl-C: ${result.stderr}`);
    assert.equal(result.status, 130, result.stderr);
    assert.ok(result.exitMs < 5_000, `took ${result.exitMs} ms`);
    for (const pid of seen) assert.ok(!existsSync(`/proc/${pid}`), `perf ${pid} outlived kvmbench`);
    const results = resultsIn(out);
    assert.ok(results.measurements.every((m: { samples: number[] }) => m.samples.length > 0));
  });

  test('perf-stat: a second Ctrl-C exits within 1 s', async () => {
    const out = join(scratch, 'perf-stat-twice');
    const result = await interruptRun(quick(out, 'perf-stat'), {
      when: (pid) => perfOf(pid).length > 0,
      count: 2,
      // Long enough for the session to wait on the perf the first Ctrl-C killed (it used to block there).
      gapMs: 400,
      exitTimeoutMs: 10_000,
    });
    assert.ok(result.interrupted, `perf never attached: ${result.stderr}`);
    assert.ok(!result.hung, `kvmbench hung after two Ctrl-C: ${result.stderr}`);
    assert.equal(result.status, 130, result.stderr);
    assert.ok(result.exitMs < 1_000, `took ${result.exitMs} ms after the second Ctrl-C`);
  });

  test('perf killed under kvmbench: no hang, measurements written, the failure names perf, exit 1', async () => {
    const out = join(scratch, 'perf-killed');
    let killedAt = 0;
    const result = await interruptRun(quick(out, 'perf-stat'), {
      when: (pid) => {
        const perf = perfOf(pid);
        for (const p of perf) process.kill(p, 'SIGKILL');
        if (perf.length > 0) killedAt = Date.now();
        return perf.length > 0;
      },
      count: 0,
      exitTimeoutMs: 15_000,
    });
    assert.ok(result.interrupted, `perf never attached: ${result.stderr}`);
    assert.ok(!result.hung, `kvmbench hung once perf was killed: ${result.stderr}`);
    assert.equal(result.status, 1, result.stderr);
    assert.ok(Date.now() - killedAt < 15_000);
    assert.match(result.stderr, /perf was killed by SIGKILL/);
    assert.ok(resultsIn(out).measurements.every((m: { samples: number[] }) => m.samples.length > 0));
  });

  test('perf that exits at once (perf_event_open refused): no hang, perf quoted, exit 1', async () => {
    const out = join(scratch, 'perf-refused');
    const bin = mkdtempSync(join(scratch, 'bin-'));
    // What perf does under Docker's default seccomp profile: it runs, then cannot open any event.
    writeFileSync(
      join(bin, 'perf'),
      '#!/bin/sh\n[ "$1" = --version ] && exec perf-real --version\necho "Error: perf_event_open(...) failed: Operation not permitted" >&2\nexit 255\n',
    );
    writeFileSync(join(bin, 'perf-real'), '#!/bin/sh\necho "perf version 6.1 (stand-in)"\n');
    chmodSync(join(bin, 'perf'), 0o755);
    chmodSync(join(bin, 'perf-real'), 0o755);
    const result = await interruptRun(quick(out, 'perf-stat'), {
      when: () => false,
      count: 0,
      phaseTimeoutMs: 60_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.ok(!result.interrupted, 'the run ended by itself');
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /perf exited with code 255 before it answered 'enable': Error: perf_event_open/);
    assert.ok(resultsIn(out).measurements.every((m: { samples: number[] }) => m.samples.length > 0));
  });
});

describe('Ctrl-C in the writing phase', { skip: kvmSkip }, () => {
  // The table is printed before the files are rendered and written: it marks the writing phase.
  const writing = (_pid: number, _stderr: string, stdout: string) => /\n-{4,}.*\n/.test(stdout);
  const run = (out: string) => [
    'run',
    '--quick',
    '--workloads',
    'null-ioctl,pio-out,mmio-read',
    '--bindings',
    'napi,koffi',
    '--out',
    out,
  ];

  test('one Ctrl-C: the run folder is still written, exit 130', async () => {
    const out = join(scratch, 'writing-once');
    const result = await interruptRun(run(out), { when: writing, exitTimeoutMs: 30_000 });
    assert.ok(result.interrupted, `the table never appeared: ${result.stderr}`);
    assert.equal(result.status, 130, result.stderr);
    const results = resultsIn(out);
    assert.equal(results.run.status, 'complete');
  });

  test('a second Ctrl-C exits 130 within 1 s', async () => {
    const out = join(scratch, 'writing-twice');
    const result = await interruptRun(run(out), { when: writing, count: 2, gapMs: 20, exitTimeoutMs: 10_000 });
    assert.ok(result.interrupted, `the table never appeared: ${result.stderr}`);
    assert.ok(!result.hung, result.stderr);
    assert.equal(result.status, 130, result.stderr);
    assert.ok(result.exitMs < 1_000, `took ${result.exitMs} ms after the second Ctrl-C`);
  });
});

describe('Ctrl-C in the perf-record writing phase', { skip: kvmSkip || perfSkip }, () => {
  test('perf-record: a second Ctrl-C during perf script exits 130 within 1 s', async () => {
    const out = join(scratch, 'perf-record-twice');
    const result = await interruptRun(quick(out, 'perf-record', 'null-ioctl,pio-out', 'napi,koffi'), {
      when: /making the flame graph/,
      // Only the re-executed kvmbench (the parent ignores SIGINT): perf script keeps running, so
      // the second Ctrl-C surely lands while kvmbench waits on it.
      to: (pid) => childrenOf(pid),
      count: 2,
      exitTimeoutMs: 10_000,
    });
    assert.ok(result.interrupted, `the writing phase never began: ${result.stderr}`);
    assert.ok(!result.hung, `kvmbench hung: ${result.stderr}`);
    assert.equal(result.status, 130, result.stderr);
    assert.ok(result.exitMs < 1_000, `took ${result.exitMs} ms after the second Ctrl-C`);
  });
});

describe('perf-record leaves nothing behind', { skip: kvmSkip || perfSkip }, () => {
  test('no isolate-*-v8.log in the working directory, no /tmp/perf-<pid>.map, no temporary folder', async () => {
    const out = join(scratch, 'perf-record-clean');
    const cwd = mkdtempSync(join(scratch, 'cwd-'));
    let pids: number[] = [];
    const result = await interruptRun(quick(out, 'perf-record'), {
      when: (pid) => {
        pids = [...new Set([...pids, pid, ...childrenOf(pid)])];
        return false;
      },
      count: 0,
      phaseTimeoutMs: 120_000,
      cwd,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.ok(existsSync(join(out, readdirSync(out)[0] as string, 'trace', 'flamegraph.svg')));
    assert.deepEqual(readdirSync(cwd), [], 'nothing written into the working directory');
    for (const pid of pids) {
      assert.ok(!existsSync(`/tmp/perf-${pid}.map`), `/tmp/perf-${pid}.map left behind`);
      assert.deepEqual(tempFilesOf(pid), [], `temporary files of ${pid} left behind`);
    }
  });
});
