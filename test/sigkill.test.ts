/**
 * A run killed with SIGKILL (no cleanup runs) never makes a later run fail: not on the host, and
 * not in a container, where every run may be PID 1 and so meets the leftovers of the last one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { findTracefs } from '../src/trace/tracefs.js';
import { CLI } from './helpers/cli.js';
import { childrenOf, interruptRun } from './helpers/interrupt.js';
import { kvmSkip } from './helpers/kvm.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-sigkill-'));
const root = findTracefs();
const instances = () => (root ? readdirSync(join(root, 'instances')) : []);
const before = new Set(instances());
after(() => {
  // Instances of killed runs in PID namespaces that no longer exist: no later run can judge them.
  for (const name of instances())
    if (!before.has(name) && name.startsWith('kvmbench-')) rmdirSync(join(root as string, 'instances', name));
  rmSync(scratch, { recursive: true, force: true });
});

const unshareSkip = (() => {
  if (process.getuid?.() !== 0) return 'a PID namespace needs root';
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'unshare --pid does not work here';
  }
})();

const ftraceRun = (out: string) => [
  'run',
  '--quick',
  '--workloads',
  'pio-out',
  '--bindings',
  'c-loop',
  '--trace',
  'ftrace',
  '--format',
  'json',
  '--out',
  out,
];

/** A run killed with SIGKILL once its tracefs instance exists; returns the instance's name. */
async function killedRun(out: string, wrap: string[] = []): Promise<string> {
  const existing = new Set(instances());
  let created: string | undefined;
  const run = wrap.length ? [...wrap.slice(1), process.execPath, CLI, ...ftraceRun(out)] : ftraceRun(out);
  const result = await interruptRun(run, {
    when: () => {
      created = instances().find((name) => !existing.has(name) && name.startsWith('kvmbench-run-'));
      return created !== undefined;
    },
    signal: 'SIGKILL',
    ...(wrap.length ? { command: wrap[0] } : {}),
  });
  assert.ok(result.interrupted && created, `no tracefs instance appeared: ${result.stderr}`);
  return created as string;
}

function tracedRunWorks(status: number | null, stderr: string, out: string): void {
  assert.equal(status, 0, stderr);
  const [folder] = readdirSync(out);
  const results = JSON.parse(readFileSync(join(out, folder as string, 'results.json'), 'utf8'));
  assert.ok(results.measurements[0].trace.split.runs > 0, 'the traced batch was recorded');
}

describe('after a run killed with SIGKILL', { skip: kvmSkip || !root }, () => {
  test('on the host: the next run succeeds and removes the dead run’s tracefs instance', async () => {
    const stale = await killedRun(join(scratch, 'host-killed'));
    const out = join(scratch, 'host-next');
    const next = await interruptRun(ftraceRun(out), { when: () => false, count: 0 });
    tracedRunWorks(next.status, next.stderr, out);
    assert.ok(!instances().includes(stale), `${stale} was left in tracefs`);
  });

  test('in a container (PID 1 every time): the next run succeeds and traces', { skip: unshareSkip }, async () => {
    const unshare = ['unshare', '--pid', '--fork', '--mount-proc'];
    await killedRun(join(scratch, 'pid1-killed'), unshare);
    const out = join(scratch, 'pid1-next');
    const next = await interruptRun([...unshare.slice(1), process.execPath, CLI, ...ftraceRun(out)], {
      when: () => false,
      count: 0,
      command: 'unshare',
    });
    tracedRunWorks(next.status, next.stderr, out);
  });
});

describe('a measuring child killed with SIGKILL (--processes)', { skip: kvmSkip }, () => {
  test('is named with its signal, the others are merged and written, and the run exits 1', async () => {
    const out = mkdtempSync(join(scratch, 'lost-child-'));
    // A child spawned but not yet exec'd still shows its parent's command line (`run` included):
    // only the command line a measuring child is started with names it.
    const isMeasuringChild = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--options-file');
      } catch {
        return false;
      }
    };
    const result = await interruptRun(
      [
        'run',
        '--processes',
        '2',
        '--rounds',
        '3',
        '-w',
        'pio-out,hlt',
        '-b',
        'c-loop,napi',
        '--format',
        'json',
        '--out',
        out,
      ],
      {
        // Once the first child runs: SIGKILL to it alone, as the OOM killer would.
        when: (pid, stderr) => /process 1 of 2/.test(stderr) && childrenOf(pid).some(isMeasuringChild),
        to: (pid) => childrenOf(pid).filter(isMeasuringChild),
        signal: 'SIGKILL',
        exitTimeoutMs: 600_000,
      },
    );
    assert.ok(result.interrupted, result.stderr);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /process 1 of 2 wrote no results \(killed by SIGKILL\)/);
    const [folder] = readdirSync(out).filter((name) => name !== 'latest');
    assert.ok(folder, 'the run folder was written');
    const results = JSON.parse(readFileSync(join(out, folder, 'results.json'), 'utf8'));
    assert.ok(
      results.measurements.every((m: { samples: number[] }) => m.samples.length > 0),
      'process 2 measured',
    );
  });
});

describe('a parent run killed with SIGKILL (--processes)', { skip: kvmSkip }, () => {
  test('its measuring child stops within seconds, and removes the scratch folder', async () => {
    const out = mkdtempSync(join(scratch, 'dead-parent-'));
    // A child is handed its request in its parent's scratch folder: `run --options-file <scratch>/<n>.json`.
    let child: { pid: number; request: string } | undefined;
    const measuringChild = (pid: number) => {
      for (const candidate of childrenOf(pid)) {
        try {
          const argv = readFileSync(`/proc/${candidate}/cmdline`, 'utf8').split('\0');
          // Not a fork that has yet to exec: it would still show the parent's command line.
          if (argv.includes('--options-file'))
            return { pid: candidate, request: argv[argv.indexOf('--options-file') + 1] as string };
        } catch {
          // It ended while we looked.
        }
      }
      return undefined;
    };
    const result = await interruptRun(
      ['run', '--processes', '2', '--rounds', '50', '-w', 'pio-out', '-b', 'c-loop,napi', '--out', out],
      {
        when: (pid, stderr) => {
          if (/process 1 of 2/.test(stderr)) child = measuringChild(pid);
          return child !== undefined;
        },
        to: (pid) => [pid],
        signal: 'SIGKILL',
      },
    );
    assert.ok(result.interrupted && child, result.stderr);
    const alive = () => {
      try {
        process.kill((child as { pid: number }).pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 20_000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alive(), false, 'the orphaned child still runs 20 s after its parent died');
    assert.ok(child.request.includes('kvmbench-processes-'), child.request);
    assert.equal(existsSync(dirname(child.request)), false, `${dirname(child.request)} was left behind`);
  });
});
