/**
 * A worker thread of a WorkerPool. Two tasks:
 * - exits: creates vCPU `index` on the main thread's VM (fds are per process), sets it up in real
 *   mode at the pio-out guest and runs the binding's checked pio-out loop on command;
 * - vms: opens its own /dev/kvm and runs whole lifecycles (create, run hello to HLT, destroy).
 * The worker loads its own copy of the binding: koffi and the N-API addon both load in workers.
 */
import { workerData } from 'node:worker_threads';
import { getBinding } from '../../bindings/registry.js';
import { loadGuest } from '../../guests/manifest.js';
import { enterMode } from '../../guests/modes.js';
import { zeroRegisters } from '../../kvm/structs.js';
import { Kvm } from '../../kvm/system.js';
import type { Vcpu } from '../../kvm/vcpu.js';
import { type GuestMemory, Vm } from '../../kvm/vm.js';
import { createBatch, type LoopState } from '../exit-loops.js';
import { runLifecycles } from '../lifecycle.js';
import { awaitCommand, EXIT, poolLayout, signalDone, signalReady, writeError } from './worker-pool.js';

export type WorkerTask =
  | { kind: 'exits'; binding: string; kvmPath: string; vmFd: number; guest: string }
  | { kind: 'vms'; binding: string; kvmPath: string; guest: string };

interface WorkerData {
  task: WorkerTask;
  index: number;
  workers: number;
  buffer: SharedArrayBuffer;
}

const data = workerData as WorkerData;
const layout = poolLayout(data.buffer, data.workers);
const { task, index } = data;

type Batch = (n: number) => void;

/** The pio-out guest's memory as the main thread loaded it: the vCPU only needs its mode and registers. */
function exitsBatch(kvm: Kvm, vmFd: number, guestName: string): { batch: Batch; close(): void } {
  const guest = loadGuest(guestName);
  // Not closed here: the VM belongs to the main thread. Only this worker's vCPU is released.
  const vm = new Vm(kvm, vmFd);
  const vcpu: Vcpu = vm.createVcpu(index);
  try {
    enterMode(vcpu, { guestPhysAddr: guest.memory.base } as GuestMemory, guest.mode);
    const regs = zeroRegisters();
    regs.rip = BigInt(guest.load);
    regs.rflags = 0x2n;
    vcpu.setRegisters(regs);
    layout.times[index * 3 + 2] = vcpu.fd;
    const state: LoopState = { sequence: 0, eintr: 0, ret: 0 };
    const loop = createBatch(kvm.binding, { kind: 'pio-out', guest, vcpu }, state);
    return { batch: (n) => void loop(n), close: () => vcpu.close() };
  } catch (error) {
    vcpu.close();
    throw error;
  }
}

function vmsBatch(kvm: Kvm, guestName: string): { batch: Batch; close(): void } {
  const guest = loadGuest(guestName);
  return { batch: (n) => void runLifecycles(kvm.binding, kvm, guest, n), close() {} };
}

let kvm: Kvm | undefined;
let work: { batch: Batch; close(): void } | undefined;
try {
  kvm = Kvm.open(getBinding(task.binding), task.kvmPath);
  work = task.kind === 'exits' ? exitsBatch(kvm, task.vmFd, task.guest) : vmsBatch(kvm, task.guest);
} catch (error) {
  writeError(layout, index, `worker ${index}: ${(error as Error).message}`);
}
signalReady(layout);

let seen = 0;
for (;;) {
  const { seq, n } = awaitCommand(layout, seen);
  seen = seq;
  if (n === EXIT) break;
  try {
    if (!work) throw new Error('not set up');
    layout.times[index * 3] = Number(process.hrtime.bigint());
    if (n > 0) work.batch(n);
    layout.times[index * 3 + 1] = Number(process.hrtime.bigint());
  } catch (error) {
    writeError(layout, index, `worker ${index}: ${(error as Error).message}`);
  }
  signalDone(layout);
}
try {
  work?.close();
  kvm?.close();
} finally {
  signalDone(layout);
}
