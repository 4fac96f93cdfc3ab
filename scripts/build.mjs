#!/usr/bin/env node
// Builds everything kvmbench needs, in order: TypeScript, the N-API addon, the guest images.
// Run by `npm ci` (prepare) and `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// Build against the running Node's own headers when they sit beside it (official tarballs, distro
// packages), so node-gyp never needs to download them: builds work offline and in containers.
const nodeDir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
const nodeDirArgs = existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodeDir}`] : [];
const steps = [
  ['TypeScript', bin('tsc'), ['-p', 'tsconfig.json']],
  ['N-API addon', bin('node-gyp'), ['rebuild', '--directory=src/native', '--loglevel=warn', ...nodeDirArgs]],
  ['guests', process.execPath, ['scripts/build-guests.mjs']],
];
for (const [what, command, args] of steps) {
  const started = Date.now();
  try {
    execFileSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (error) {
    console.error(`build: ${what} failed (${command} ${args.join(' ')}): ${error.message}`);
    if (what === 'N-API addon')
      console.error('build: the addon needs gcc, make and python3 (apt-get install build-essential python3)');
    process.exit(1);
  }
  console.log(`build: ${what} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
