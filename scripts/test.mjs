#!/usr/bin/env node
// `npm test [name...]`: builds, then runs every compiled test file (or those whose names contain a
// given name) with node's test runner. KVM tests skip with one line saying why when /dev/kvm cannot
// be opened.
//
//   --no-build   inside the KVM sandbox, which has no compiler; the host built everything already
//   --kvm-only   only the files that use KVM (they import test/helpers/kvm.ts): the rest ran on the host
//   --each       one test runner per file, each file's duration printed, one closing line for all
//   --claims DIR with --each: run only the files this runner claims first (mkdir DIR/<file>), so that
//                several runners (sandbox VMs) share one list, each file run once
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
if (!flag('--no-build')) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
const dir = join(root, 'dist', 'test');
const optionValue = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const claims = optionValue('--claims');
const only = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--claims');
const usesKvm = (file) => /from ['"]\.\/helpers\/kvm\.js['"]/.test(readFileSync(file, 'utf8'));
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.test.js'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .map((file) => join(dir, file))
  .filter((file) => !flag('--kvm-only') || usesKvm(file))
  // Largest first: with several runners sharing the list, the long files start early.
  .sort((a, b) => statSync(b).size - statSync(a).size);
if (files.length === 0) {
  console.error(`test: no test file matches ${only.join(', ') || 'the selection'}`);
  process.exit(2);
}

// The CLIs the tests start print for a wide terminal, so their messages are matched whole; the
// layout tests set COLUMNS themselves (test/layout.test.ts renders at 80 and 100).
const env = { ...process.env, COLUMNS: '100000' };
const runner = (selected, stdio) =>
  spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...selected], { cwd: root, stdio, env });

if (!flag('--each')) process.exit(runner(files, 'inherit').status ?? 1);

// One runner per file: its duration is seen, and one closing line sums them all.
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedFiles = [];
const started = performance.now();
if (claims !== undefined) mkdirSync(claims, { recursive: true });
const claim = (name) => {
  try {
    mkdirSync(join(claims, name));
    return true;
  } catch (error) {
    if (error.code === 'EEXIST') return false;
    throw error;
  }
};
let ran = 0;
for (const file of files) {
  if (claims !== undefined && !claim(file.slice(dir.length + 1))) continue;
  ran++;
  const t0 = performance.now();
  const result = runner([file], ['ignore', 'pipe', 'inherit']);
  const out = result.stdout.toString();
  process.stdout.write(out);
  const count = (name) => Number(out.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  totals.passed += count('pass');
  totals.failed += count('fail') + count('cancelled');
  totals.skipped += count('skipped') + count('todo');
  if (result.status !== 0) failedFiles.push(file);
  const name = file.slice(dir.length + 1);
  console.log(`# ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s, exit ${result.status ?? result.signal}`);
}
console.log(`# ${ran} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failedFiles.length > 0) console.log(`# failed: ${failedFiles.map((f) => f.slice(dir.length + 1)).join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedFiles.length > 0 || totals.failed > 0 ? 1 : 0);
