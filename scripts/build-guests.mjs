#!/usr/bin/env node
// Assembles every guest in guests/manifest.json into a flat image, guests/build/<name>.bin, with
// GNU as and ld at the guest's load address. Rebuilds only what changed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const guestsDir = join(root, 'guests');
const outDir = join(guestsDir, 'build');
const manifest = JSON.parse(readFileSync(join(guestsDir, 'manifest.json'), 'utf8'));
mkdirSync(outDir, { recursive: true });

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};
const run = (command, args) => {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const detail = error.stderr?.toString().trim() || error.message;
    console.error(`build-guests: ${command} ${args.join(' ')} failed:\n${detail}`);
    if (error.code === 'ENOENT') console.error('build-guests: install GNU binutils (apt-get install binutils)');
    process.exit(1);
  }
};

// The peer VMMs' guest (src/peers/): not booted by kvmbench, so not in the manifest. A 64 KiB
// real-mode image linked at offset 0: kvmtool starts it at 1000:0000, QEMU as its firmware.
const peerGuests = [{ name: 'peer-pio-out', source: 'peer-pio-out.S', mode: 'real', load: 0 }];

let built = 0;
for (const guest of [...manifest.guests, ...peerGuests]) {
  const source = join(guestsDir, guest.source);
  const base = join(outDir, guest.name);
  const image = `${base}.bin`;
  if (mtime(image) > Math.max(mtime(source), mtime(join(guestsDir, 'manifest.json')))) continue;
  const is64 = guest.mode === 'long';
  const load = typeof guest.load === 'string' ? guest.load : `0x${guest.load.toString(16)}`;
  run('as', [is64 ? '--64' : '--32', '-o', `${base}.o`, source]);
  run('ld', [
    '-m',
    is64 ? 'elf_x86_64' : 'elf_i386',
    '-nostdlib',
    '-z',
    'noexecstack',
    '--no-warn-rwx-segments',
    `-Ttext=${load}`,
    '-e',
    '_start',
    '-o',
    `${base}.elf`,
    `${base}.o`,
  ]);
  run('objcopy', ['-O', 'binary', '-j', '.text', `${base}.elf`, image]);
  built++;
}
console.log(
  `build-guests: ${built} built, ${manifest.guests.length + peerGuests.length - built} up to date in guests/build/`,
);
