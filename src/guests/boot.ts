/** Boots a guest: a VM with the guest's memory and image, one vCPU in the guest's mode at its entry point. */

import { REGISTER_NAMES } from '../abi/kvm.js';
import type { Binding } from '../bindings/types.js';
import { type Registers, zeroRegisters } from '../kvm/structs.js';
import { Kvm } from '../kvm/system.js';
import type { Vcpu } from '../kvm/vcpu.js';
import type { GuestMemory, Vm } from '../kvm/vm.js';
import type { Guest } from './manifest.js';
import { enterMode } from './modes.js';

export interface BootedGuest {
  readonly guest: Guest;
  readonly vm: Vm;
  readonly vcpu: Vcpu;
  readonly memory: GuestMemory;
  /** Closes the VM (and its vCPU and memory), and the Kvm handle when boot opened it. */
  close(): void;
}

const RFLAGS_RESERVED_BIT = 0x2n;

// Booting is five steps, so bootGuestOnVm and the lifecycle benchmark (which times each step on its
// own) run the same code: loadGuestMemory, vm.registerMemory (KVM_SET_USER_MEMORY_REGION),
// vm.createVcpu, enterMode with the guest's mode and segments (KVM_GET/SET_SREGS), and
// vcpu.setRegisters(entryRegisters(guest)) (the lifecycle encodes those registers once per batch, as
// its C side receives them, and sets them with vcpu.setEncodedRegisters).

/** Step 1: host memory for the guest, with its image copied in (KVM is not told yet). */
export function loadGuestMemory(vm: Vm, guest: Guest): GuestMemory {
  const memory = vm.allocateMemory(guest.memory.base, guest.memory.size);
  memory.write(guest.load, guest.image);
  return memory;
}

/** The general registers at the entry point: rip, rflags, rsp outside real mode, then the manifest's values. */
export function entryRegisters(guest: Guest): Registers {
  const regs = zeroRegisters();
  regs.rip = BigInt(guest.load);
  regs.rflags = RFLAGS_RESERVED_BIT;
  if (guest.mode !== 'real') regs.rsp = BigInt(guest.load); // stack grows down from the code
  for (const name of REGISTER_NAMES) {
    const value = guest.registers[name];
    if (value !== undefined) regs[name] = value;
  }
  return regs;
}

export function bootGuestOnVm(vm: Vm, guest: Guest): { vcpu: Vcpu; memory: GuestMemory } {
  const memory = loadGuestMemory(vm, guest);
  vm.registerMemory(memory);
  const vcpu = vm.createVcpu(0);
  enterMode(vcpu, memory, guest.mode, guest.segments);
  vcpu.setRegisters(entryRegisters(guest));
  return { vcpu, memory };
}

export interface BootOptions {
  /** KVM_CREATE_IRQCHIP before the vCPU: interrupts from the in-kernel PIC, HLT handled in the kernel. */
  irqchip?: boolean;
}

/** Boots the guest on its own VM. Pass an open Kvm to share it; otherwise one is opened and owned. */
export function bootGuest(binding: Binding, guest: Guest, kvm?: Kvm, options: BootOptions = {}): BootedGuest {
  const owner = kvm ?? Kvm.open(binding);
  let vm: Vm | undefined;
  try {
    vm = owner.createVm();
    if (options.irqchip) vm.createIrqchip();
    const { vcpu, memory } = bootGuestOnVm(vm, guest);
    const booted = vm;
    return {
      guest,
      vm: booted,
      vcpu,
      memory,
      close() {
        booted.close();
        if (!kvm) owner.close();
      },
    };
  } catch (error) {
    vm?.close();
    if (!kvm) owner.close();
    throw error;
  }
}
