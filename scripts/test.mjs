#!/usr/bin/env node
// `npm test [name...]`: builds, then runs every compiled test file (or those whose names contain a
// given name) with node's test runner. KVM tests skip with one line saying why when /dev/kvm cannot
// be opened.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// --no-build: inside the KVM sandbox, which has no compiler; the host built everything already.
if (!args.includes('--no-build')) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
const dir = join(root, 'dist', 'test');
const only = args.filter((arg) => !arg.startsWith('--'));
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.test.js'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .map((file) => join(dir, file));
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
