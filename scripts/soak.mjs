#!/usr/bin/env node
import { soak } from '../dist/src/bench/soak.js';
// `npm run soak [cycles]`: creates and destroys VMs through every binding (10,000 each by default)
// and reports open fds and RSS before and after. Exits 1 if any fd leaked.
import { BINDING_NAMES } from '../dist/src/bindings/types.js';

const cycles = Number(process.argv[2] ?? 10_000);
if (!Number.isSafeInteger(cycles) || cycles <= 0) {
  console.error(`soak: cycles must be a positive whole number (got '${process.argv[2]}')`);
  process.exit(2);
}
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
