#!/usr/bin/env node
// Builds everything kvmbench needs, in order: TypeScript, the native addons, the guest images.
// Run by `npm ci` (prepare) and `npm run build`; `node scripts/build.mjs typescript` (npm run build:ts)
// runs only the first step.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// Build against the running Node's own headers when they sit beside it (official tarballs, distro
// packages), so node-gyp never needs to download them: builds work offline and in containers.
const nodeDir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
const nodeDirArgs = existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodeDir}`] : [];
// tsc writes files 0644; package.json's bin entries must be executable, or `npx kvmbench` fails
// with "Permission denied" whenever npm does not happen to fix the mode itself.
const makeBinsExecutable = () => {
  const { bin: bins = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const file of typeof bins === 'string' ? [bins] : Object.values(bins)) chmodSync(join(root, file), 0o755);
};
const steps = [
  ['TypeScript', bin('tsc'), ['-p', 'tsconfig.json'], makeBinsExecutable],
  ['native addons', bin('node-gyp'), ['rebuild', '--directory=src/native', '--loglevel=warn', ...nodeDirArgs]],
  ['guests', process.execPath, ['scripts/build-guests.mjs']],
];
if (!existsSync(bin('tsc')) || !existsSync(bin('node-gyp'))) {
  // `npm ci --omit=dev` runs this as `prepare` without the dev tools: a production install of an
  // already-built tree (the container's runtime stage) is fine; anything else must say how to build.
  const productionInstall = (process.env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev');
  const built = existsSync(join(root, 'dist', 'src', 'cli', 'main.js'));
  console.error(
    'build: TypeScript and node-gyp are dev dependencies and are not installed (npm ci --omit=dev?): ' +
      `${built ? 'keeping the existing build; ' : 'nothing is built; '}` +
      'to build, run a full `npm ci`, then drop the dev tools with `npm prune --omit=dev`',
  );
  process.exit(productionInstall ? 0 : 1);
}
const only = process.argv[2] === 'typescript' ? steps.slice(0, 1) : steps;
for (const [what, command, args, after] of only) {
  const started = Date.now();
  try {
    execFileSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    after?.();
  } catch (error) {
    console.error(`build: ${what} failed (${command} ${args.join(' ')}): ${error.message}`);
    if (what === 'native addons')
      console.error('build: the addon needs gcc, g++, make and python3 (apt-get install build-essential python3)');
    process.exit(1);
  }
  console.log(`build: ${what} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
