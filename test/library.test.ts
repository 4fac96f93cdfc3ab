/**
 * kvmbench as a package (`import ... from 'kvmbench'`, resolved through package.json's exports as a
 * dependent would): it reads and compares runs, and on KVM measures as `run` does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Results } from 'kvmbench';
import { compare, readResults, run } from 'kvmbench';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { kvmSkip } from './helpers/kvm.js';
import { writeRun } from './helpers/runs.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-library-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("package.json's exports name the entry point and its types", () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.exports['.'], { types: './dist/src/index.d.ts', default: './dist/src/index.js' });
  assert.ok(readFileSync(join(root, 'dist', 'src', 'index.d.ts'), 'utf8').includes('export declare function run('));
});

test('reads a run and compares two, as compare does', () => {
  const baseline = makeFixtureResults();
  const folder = writeRun(scratch, 'base', baseline);
  const read: Results = readResults(folder);
  assert.equal(read.run.id, baseline.run.id);
  const comparison = compare(read, read);
  assert.equal(comparison.summary.regressed, 0);
  assert.equal(comparison.cells.length > 0, true);
});

test('run without KVM rejects with the error the CLI prints', async () => {
  await assert.rejects(
    run({ quick: true, workloads: ['null-ioctl'], bindings: ['koffi'], kvmPath: '/nonexistent/kvm' }),
    /open \/nonexistent\/kvm failed: ENOENT/,
  );
});

test('run measures on KVM and returns the results run would write', { skip: kvmSkip }, async () => {
  const results = await run({ quick: true, workloads: ['pio-out'], bindings: ['c-loop', 'napi'], rounds: 3 });
  assert.equal(results.run.status, 'complete');
  assert.deepEqual(
    results.measurements.map((m) => [m.binding, m.status]),
    [
      ['c-loop', 'ok'],
      ['napi', 'ok'],
    ],
  );
  assert.ok(results.measurements[1]?.overheadVsFloor, 'napi against the floor');
});
