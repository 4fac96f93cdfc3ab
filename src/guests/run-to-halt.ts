/** Runs a booted guest through the typed exit API until it halts, recording every exit. */
import { GuestError } from '../errors.js';
import { describeExit, type VcpuExit } from '../kvm/exits.js';
import type { Vcpu } from '../kvm/vcpu.js';
import type { Guest } from './manifest.js';

export interface ExitRecord {
  kind: VcpuExit['kind'];
  description: string;
}

export interface GuestRun {
  /** Bytes the guest wrote to its serial port, as text. */
  serial: string;
  exits: ExitRecord[];
}

/** One line with the guest, binding, exit and registers: what a person needs to see why it failed. */
export function guestFailure(guest: Guest, vcpu: Vcpu, what: string): GuestError {
  let registers = '';
  try {
    const regs = vcpu.getRegisters();
    registers = ` (rip=0x${regs.rip.toString(16)} rax=0x${regs.rax.toString(16)} rbx=0x${regs.rbx.toString(16)} rdx=0x${regs.rdx.toString(16)} rflags=0x${regs.rflags.toString(16)})`;
  } catch {
    // The registers are a courtesy; the failure itself is what must be reported.
  }
  return new GuestError(`guest '${guest.name}' on binding '${vcpu.binding.name}': ${what}${registers}`);
}

/** Runs a 'serial' guest (hello) to HLT, checking each exit is an OUT to its serial port. */
export function runToHalt(guest: Guest, vcpu: Vcpu, maxExits = 10_000): GuestRun {
  if (guest.exits.kind !== 'serial') throw new Error(`guest '${guest.name}' does not halt on its own`);
  const port = guest.exits.port;
  const bytes: number[] = [];
  const exits: ExitRecord[] = [];
  for (let i = 0; i < maxExits; i++) {
    const exit = vcpu.run();
    exits.push({ kind: exit.kind, description: describeExit(exit) });
    if (exit.kind === 'hlt') return { serial: Buffer.from(bytes).toString('latin1'), exits };
    if (exit.kind === 'io-out' && exit.port === port && exit.size === 1) {
      bytes.push(...exit.data);
      continue;
    }
    throw guestFailure(guest, vcpu, `unexpected exit ${describeExit(exit)} after ${bytes.length} serial bytes`);
  }
  throw guestFailure(guest, vcpu, `did not halt within ${maxExits} exits`);
}
