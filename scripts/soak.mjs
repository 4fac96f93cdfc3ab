#!/usr/bin/env node
// `npm run soak [cycles]`: creates and destroys VMs through every binding (10,000 each by default)
// and reports open fds and RSS before and after. Exits 1 if any fd leaked.

const HELP = `usage: npm run soak [-- cycles]

Creates and destroys VMs through every binding (default 10,000 cycles each) and prints, per
binding, open fds and RSS before, halfway and after. Exits 1 if any file descriptor leaked, 2 on a
bad cycle count. Needs /dev/kvm and a build (npm run build).
`;
const arg = process.argv[2];
if (arg === '--help' || arg === '-h') {
  process.stdout.write(HELP);
  process.exit(0);
}
if (process.argv.length > 3) {
  console.error(
    `soak: takes one argument, the cycle count (got ${process.argv.length - 2}): see npm run soak -- --help`,
  );
  process.exit(2);
}
const cycles = Number(arg ?? 10_000);
if (!Number.isSafeInteger(cycles) || cycles <= 0) {
  console.error(`soak: cycles must be a positive whole number (got '${arg}'): see npm run soak -- --help`);
  process.exit(2);
}
// Imported only now, so --help and a bad count are answered even before a build.
const { soak } = await import('../dist/src/bench/soak.js');
const { BINDING_NAMES } = await import('../dist/src/bindings/types.js');
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
if (typeof globalThis.gc !== 'function') {
  console.error('soak: run it as `npm run soak` (node --expose-gc), so RSS is measured after a full GC');
  process.exit(2);
}
console.log(
  '| binding | cycles | seconds | open fds before → after | RSS MiB before → halfway → after | RSS growth, 2nd half |',
);
console.log('|---|---:|---:|---|---|---:|');
let leaked = false;
for (const name of BINDING_NAMES) {
  let r;
  try {
    r = soak(name, cycles);
  } catch (error) {
    console.error(`soak: ${name}: ${error.message}`);
    process.exit(1);
  }
  leaked ||= r.fdsAfter > r.fdsBefore;
  console.log(
    `| ${r.binding} | ${r.cycles} | ${r.seconds.toFixed(1)} | ${r.fdsBefore} → ${r.fdsAfter} | ${mib(r.rssBeforeBytes)} → ${mib(r.rssHalfwayBytes)} → ${mib(r.rssAfterBytes)} | ${mib(r.rssAfterBytes - r.rssHalfwayBytes)} MiB |`,
  );
}
if (leaked) {
  console.error('soak: file descriptors leaked');
  process.exitCode = 1;
}
