/**
 * A write that fails at the end of a real run (full disk, fd limit) loses nothing it could keep:
 * the table is printed first, the files that fit are written, partial temporary files are removed,
 * and the error names each file not written, its cause and a fix; exit code 1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kvmbenchAsync } from './helpers/cli.js';
import { interruptRun } from './helpers/interrupt.js';
import { kvmSkip } from './helpers/kvm.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-write-failures-'));
const mounted: string[] = [];
after(() => {
  for (const dir of mounted) execFileSync('umount', [dir]);
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(dir.length + 1),
    );
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    const probe = mkdtempSync(join(tmpdir(), 'kvmbench-mount-probe-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    rmSync(probe, { recursive: true });
    return false;
  } catch {
    return 'cannot mount a tmpfs here';
  }
})();

const run = ['run', '--quick', '--workloads', 'null-ioctl', '--bindings', 'napi'];

describe('a full disk', { skip: kvmSkip || canMount }, () => {
  test('1 MiB tmpfs (24 KiB free) as --out: table printed, what fits written, no temporary file, the file and ENOSPC named, exit 1', async () => {
    const out = join(scratch, 'tiny');
    mkdirSync(out);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', out]);
    mounted.push(out);
    // Leave 24 KiB: the small files fit, report.html (and, with more samples, results.json) does not.
    const { bavail, bsize } = statfsSync(out);
    writeFileSync(join(out, 'filler'), Buffer.alloc(bavail * bsize - 24 * 1024));
    const result = await kvmbenchAsync([...run, '--out', out]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /null-ioctl\s+napi\s+\d/, 'the table was printed');
    assert.match(
      result.stderr,
      /cannot write \S+(results\.json|report\.html): ENOSPC \(no space left on device\): the filesystem of \S+ is full: free space there/,
    );
    const files = filesUnder(out);
    assert.ok(!files.some((file) => /\.tmp/.test(file)), `temporary files left: ${files.join(', ')}`);
    assert.ok(
      files.some((file) => file.endsWith('summary.csv')),
      `the small files fit: ${files.join(', ')}`,
    );
    assert.match(result.stdout, /wrote [1-9]\d* files to /);
  });
});

describe('the fd limit dropping mid-run', { skip: kvmSkip }, () => {
  test('EMFILE while writing: table printed, the file and EMFILE named with ulimit -n, exit 1', async () => {
    const out = join(scratch, 'emfile');
    const result = await interruptRun([...run, '--rounds', '3', '--time-per-round', '300', '--out', out], {
      when: (pid, stderr) => {
        if (!/round 1/.test(stderr)) return false;
        // Down to stdin, stdout and stderr: every later open fails with EMFILE (the VMs closed at
        // the end of the run free fds above the limit, not below it).
        execFileSync('prlimit', ['--pid', String(pid), '--nofile=3:3']);
        return true;
      },
      count: 0,
      exitTimeoutMs: 60_000,
    });
    assert.ok(!result.hung, result.stderr);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /null-ioctl\s+napi\s+\d/, 'the table was printed');
    assert.match(result.stderr, /cannot write \S+\.(json|csv|html): EMFILE \(too many open files\): .*ulimit -n/);
    const files = filesUnder(out);
    assert.ok(!files.some((file) => /\.tmp/.test(file)), `temporary files left: ${files.join(', ')}`);
  });
});
