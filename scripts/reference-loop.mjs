#!/usr/bin/env node
// An independent minimal harness for the JS-over-C overhead per exit, to check kvmbench against:
// one hand-written monomorphic loop per guest and strategy (an N-API function bound to the vCPU;
// koffi with a fixed `int ioctl(int, unsigned long, unsigned long)` prototype), checking only the
// exit reason, against the addon's C loop; 21 interleaved rounds of 2,000 exits; the overhead is
// the median over rounds of (JS - C) per exit. VMs are set up with kvmbench's classes (not timed).
// In Node 26, Bun or Deno it adds that runtime's own FFI (node:ffi, bun:ffi, Deno.dlopen), bound here
// with its own minimal ioctl prototype, to check kvmbench's node-ffi, bun-ffi and deno-ffi rows.
// Usage: node scripts/reference-loop.mjs [--rounds 21] [--exits 2000]   (after npm run build)
//        bun scripts/reference-loop.mjs; deno run -A scripts/reference-loop.mjs; <node 26> scripts/reference-loop.mjs
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { getBinding } from '../dist/src/bindings/registry.js';
import { bootGuest } from '../dist/src/guests/boot.js';
import { loadGuest } from '../dist/src/guests/manifest.js';
import { Kvm } from '../dist/src/kvm/system.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '21' }, exits: { type: 'string', default: '2000' } },
});
const rounds = Number(values.rounds);
const exits = Number(values.exits);
const koffi = createRequire(import.meta.url)('koffi');
const ioctl = koffi.load('libc.so.6').func('int ioctl(int, unsigned long, unsigned long)');
const KVM_RUN = 0xae80;
const KVM_RUN_BIG = 0xae80n;

/** This runtime's own FFI: a KVM_RUN call `(fd) => result` and its name, or undefined under Node < 26. */
function ownFfi() {
  if (globalThis.Bun) {
    const { dlopen } = createRequire(import.meta.url)('bun:ffi');
    const { ioctl: call } = dlopen('libc.so.6', { ioctl: { args: ['i32', 'u64', 'u64'], returns: 'i32' } }).symbols;
    return { name: 'bun-ffi', run: (fd) => call(fd, KVM_RUN, 0) };
  }
  if (globalThis.Deno) {
    const { ioctl: call } = globalThis.Deno.dlopen('libc.so.6', {
      ioctl: { parameters: ['i32', 'u64', 'u64'], result: 'i32' },
    }).symbols;
    return { name: 'deno-ffi', run: (fd) => call(fd, KVM_RUN_BIG, 0n) };
  }
  const ffi = process.getBuiltinModule?.('node:ffi');
  if (!ffi?.dlopen) return undefined;
  const { ioctl: call } = ffi.dlopen('libc.so.6', {
    ioctl: { arguments: ['int32', 'uint64', 'uint64'], return: 'int32' },
  }).functions;
  return { name: 'node-ffi', run: (fd) => call(fd, KVM_RUN_BIG, 0n) };
}
const own = ownFfi();
const EXIT_IO = 2;
const EXIT_HLT = 5;

function napiPio(run, u32, n) {
  for (let i = 0; i < n; i++) if (run() !== 0 || u32[2] !== EXIT_IO) throw new Error('napi pio: wrong exit');
}
function koffiPio(fd, u32, n) {
  for (let i = 0; i < n; i++)
    if (ioctl(fd, KVM_RUN, 0) !== 0 || u32[2] !== EXIT_IO) throw new Error('koffi pio: wrong exit');
}
function ownPio(run, fd, u32, n) {
  for (let i = 0; i < n; i++) if (run(fd) !== 0 || u32[2] !== EXIT_IO) throw new Error('own FFI pio: wrong exit');
}
function ownHlt(run, fd, u32, n) {
  for (let i = 0; i < n; i++) if (run(fd) !== 0 || u32[2] !== EXIT_HLT) throw new Error('own FFI hlt: wrong exit');
}
function napiHlt(run, u32, n) {
  for (let i = 0; i < n; i++) if (run() !== 0 || u32[2] !== EXIT_HLT) throw new Error('napi hlt: wrong exit');
}
function koffiHlt(fd, u32, n) {
  for (let i = 0; i < n; i++)
    if (ioctl(fd, KVM_RUN, 0) !== 0 || u32[2] !== EXIT_HLT) throw new Error('koffi hlt: wrong exit');
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const time = (fn) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start);
};

const cBinding = getBinding('c-loop');
const napiBinding = getBinding('napi');
const koffiBinding = getBinding('koffi');
const kvms = [cBinding, napiBinding, koffiBinding].map((binding) => Kvm.open(binding));
const report = {};
for (const [guestName, napiLoop, koffiLoop, ownLoop, cKind] of [
  ['pio-out', napiPio, koffiPio, ownPio, 0],
  ['hlt', napiHlt, koffiHlt, ownHlt, 4],
]) {
  const guest = loadGuest(guestName);
  const [c, napi, kof] = [cBinding, napiBinding, koffiBinding].map((binding, i) => bootGuest(binding, guest, kvms[i]));
  // The own FFI drives a vCPU set up through koffi (not timed): only its KVM_RUN call is its own.
  const ownBooted = own ? bootGuest(koffiBinding, guest, kvms[2]) : undefined;
  const cPage = c.vcpu.page();
  let sequence = 0;
  const strategies = {
    'c-loop': () => {
      const r = cBinding.native.cLoop(cKind, c.vcpu.fd, cPage.address, exits, guest.exits.port ?? 0, sequence);
      if (r.error) throw new Error(r.error);
      sequence = r.sequence;
      return r.elapsedNs;
    },
    napi: () => {
      const { run, u32 } = napi.vcpu.page();
      return time(() => napiLoop(run, u32, exits));
    },
    koffi: () => {
      const { u32 } = kof.vcpu.page();
      return time(() => koffiLoop(kof.vcpu.fd, u32, exits));
    },
    ...(own && ownBooted
      ? {
          [own.name]: () => {
            const { u32 } = ownBooted.vcpu.page();
            return time(() => ownLoop(own.run, ownBooted.vcpu.fd, u32, exits));
          },
        }
      : {}),
  };
  const names = Object.keys(strategies);
  for (const name of names) for (let w = 0; w < 5; w++) strategies[name](); // warm-up
  const perRound = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      perRound[name].push(strategies[name]() / exits);
    }
  }
  report[guestName] = Object.fromEntries(
    names.map((name) => [
      name,
      {
        medianNs: Math.round(median(perRound[name])),
        ...(name === 'c-loop'
          ? {}
          : { overheadNs: Math.round(median(perRound[name].map((v, r) => v - perRound['c-loop'][r]))) }),
      },
    ]),
  );
  for (const booted of [c, napi, kof, ownBooted]) booted?.close();
}
for (const kvm of kvms) kvm.close();
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
