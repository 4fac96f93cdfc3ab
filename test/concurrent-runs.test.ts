/** Many runs started at once, into the same new --out folder and into folders nested in it: all succeed. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kvmbenchAsync } from './helpers/cli.js';
import { kvmSkip } from './helpers/kvm.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-concurrent-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('8 runs at once into new nested --out folders each write their own run folder', { skip: kvmSkip }, async () => {
  const base = join(scratch, 'a', 'b', 'c');
  // Two runs per folder, at four depths of one chain that does not exist yet.
  const outs = [0, 1, 2, 3].flatMap((depth) => {
    const out = join(base, ...['d', 'e', 'f'].slice(0, depth));
    return [out, out];
  });
  const results = await Promise.all(
    outs.map((out) =>
      kvmbenchAsync([
        'run',
        '--quick',
        '--workloads',
        'null-ioctl',
        '--bindings',
        'c-loop',
        '--format',
        'json',
        '--out',
        out,
      ]),
    ),
  );
  for (const result of results) assert.equal(result.status, 0, result.stderr);
  for (const out of new Set(outs)) {
    const runs = readdirSync(out).filter((name) => /^\d{8}T\d{6}Z-/.test(name));
    assert.equal(runs.length, 2, `two run folders in ${out}: ${runs.join(', ')}`);
    for (const run of runs) assert.deepEqual(readdirSync(join(out, run)), ['results.json']);
  }
});
