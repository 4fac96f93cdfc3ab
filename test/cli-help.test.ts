/** Every command's --help and the option checks that must fail before anything runs. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BINDING_NAMES } from '../src/bindings/types.js';
import { bindingsOf } from '../src/runtimes/bindings.js';
import { currentRuntime } from '../src/util/runtime.js';
import { kvmbench } from './helpers/cli.js';

const HERE_BINDINGS: readonly string[] = bindingsOf(currentRuntime());

const COMMANDS = ['hello', 'doctor', 'list', 'run', 'profile', 'compare', 'report', 'calibrate'];
const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-cli-help-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const clinicInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('clinic/package.json');
    return true;
  } catch {
    return false;
  }
})();

describe('--help', () => {
  for (const command of COMMANDS) {
    it(`${command} --help shows examples and its defaults one way`, () => {
      const result = kvmbench([command, '--help']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /\nExamples:\n {2}kvmbench /);
      // Commander's own form quotes strings: (default: "results"). Ours: (default: results).
      assert.doesNotMatch(result.stdout, /default: "/);
    });
  }

  it("report --help's example run id has newRunId's format", () => {
    const ids = kvmbench(['report', '--help']).stdout.match(/results\/(\d{8}T\d{6}Z-[0-9a-f]{6})\b/);
    assert.ok(ids, 'an example names a run folder like results/20261130T085817Z-628d5c');
  });
});

describe('list --json', () => {
  it('lists bindings, workloads, guests and vCPU threading designs with their descriptions', () => {
    const result = kvmbench(['list', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const listing = JSON.parse(result.stdout) as Record<
      string,
      Array<{ name: string; available?: boolean; description: string }>
    >;
    assert.deepEqual(Object.keys(listing), ['bindings', 'runtimes', 'workloads', 'guests', 'vmmDesigns']);
    // Every binding is listed; those of another runtime say which one runs them.
    assert.deepEqual(
      listing['bindings']?.map((binding) => binding.name),
      [...BINDING_NAMES],
    );
    for (const binding of listing['bindings'] ?? []) {
      assert.equal(binding.available, HERE_BINDINGS.includes(binding.name), binding.description);
    }
    assert.deepEqual(
      listing['runtimes']?.map((runtime) => runtime.name),
      ['node', 'node26', 'bun', 'deno'],
    );
    assert.equal(listing['runtimes']?.[0]?.available, true, 'the Node running kvmbench is always there');
    assert.ok(listing['workloads']?.some((workload) => workload.name === 'pio-out'));
    assert.ok(listing['guests']?.some((guest) => guest.name === 'hello'));
    for (const entries of Object.values(listing))
      for (const entry of entries) assert.ok(entry.description.length > 0, `${entry.name} has a description`);
  });
});

describe('option checks', () => {
  it('calibrate --runs 1 is refused with exit 2 instead of silently running 2', () => {
    const out = join(scratch, 'calibrate');
    const result = kvmbench(['calibrate', '--runs', '1', '--out', out]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--runs must be a whole number from 2 to 100 \(got '1'\)/);
  });

  it('profile --timeout abc says so with exit 2 and leaves no folder', () => {
    const out = join(scratch, 'timeout');
    const result = kvmbench(['profile', '--clinic', 'doctor', '--timeout', 'abc', '--out', out]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--timeout must be a whole number from 1 to 86400 \(got 'abc'\)/);
    assert.throws(() => readdirSync(out), /ENOENT/);
  });

  it('profile --clinic without clinic exits 1 naming the install command, and leaves no folder', {
    skip: clinicInstalled && 'clinic is installed here',
  }, () => {
    const out = join(scratch, 'no-clinic');
    const result = kvmbench(['profile', '--clinic', 'flame', '--out', out]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /clinic is not installed .*`npm i -D clinic`/);
    assert.throws(() => readdirSync(out), /ENOENT/);
  });
});
