/**
 * A measuring child that hangs (as under a low process limit, where it could not start a thread) is
 * stopped at its deadline: the run goes on with the other processes, names the one that hung, and
 * exits 1. A fake runtime that hangs stands in for it; the deadline is shortened for the test (40 s:
 * the real child must finish within it, under an emulated CPU too).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { planRun } from '../src/bench/plan.js';
import { childDeadlineMs } from '../src/bench/processes.js';
import type { Results } from '../src/results/types.js';
import { CLI, runFolders } from './helpers/cli.js';
import { kvmSkip } from './helpers/kvm.js';

test('the deadline grows with what the plan asks of a child and is never under 5 minutes', () => {
  const plan = (rounds: number) =>
    planRun({
      workloads: ['pio-out', 'hlt'],
      bindings: ['c-loop', 'napi'],
      rounds,
      timePerRoundMs: 30,
      warmupMs: 10,
      quick: false,
      cpuidK: 8,
    });
  assert.ok(childDeadlineMs(plan(5), 2) >= 300_000);
  assert.ok(childDeadlineMs(plan(500), 2) > childDeadlineMs(plan(5), 2));
});

test('a child that hangs is stopped at its deadline; the others are kept, the run says which and exits 1', {
  skip: kvmSkip,
}, async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-deadline-'));
  try {
    // A "bun" that says its version and then hangs whatever it is asked to run.
    const fake = join(scratch, 'hanging-bun');
    writeFileSync(fake, '#!/bin/sh\nif [ "$1" = --version ]; then echo 1.4.5; exit 0; fi\nexec sleep 600\n');
    chmodSync(fake, 0o755);
    const out = join(scratch, 'out');
    const started = performance.now();
    const child = await execa(
      process.execPath,
      [
        CLI,
        'run',
        '--quick',
        '--runtimes',
        `node,bun=${fake}`,
        '-w',
        'null-ioctl',
        '--bindings',
        'c-loop,napi',
        '--format',
        'json',
        '--out',
        out,
      ],
      { reject: false, timeout: 600_000, env: { ...process.env, KVMBENCH_CHILD_DEADLINE_MS: '40000' } },
    );
    assert.equal(child.exitCode, 1, String(child.stderr));
    assert.ok(performance.now() - started < 300_000, 'the hung child did not hold the run');
    assert.match(
      String(child.stderr),
      /process 1 of 1 \(bun\) wrote no results \(stopped at its deadline of 40 s: it hung\)/,
    );
    const [folder] = runFolders(out);
    const results = JSON.parse(readFileSync(join(out, folder as string, 'results.json'), 'utf8')) as Results;
    assert.equal(results.measurements.find((m) => m.binding === 'napi')?.status, 'ok', "node's rows are measured");
    assert.equal(results.measurements.find((m) => m.binding === 'bun:napi')?.status, 'skipped');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
