/**
 * Puts a vCPU into real, 32-bit protected or 64-bit long mode, the way a VMM does before the first
 * KVM_RUN: the host writes the GDT and page tables into guest memory and loads the segment and
 * control registers directly, so the guest starts executing in its mode at its first instruction.
 */
import { CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME } from '../abi/kvm.js';
import type { Segment, SpecialRegisters } from '../kvm/structs.js';
import type { Vcpu } from '../kvm/vcpu.js';
import type { GuestMemory } from '../kvm/vm.js';
import type { GuestMode, SegmentOverrides } from './manifest.js';

/** Guest-physical layout below the load address of protected and long mode guests. */
export const LAYOUT = { pml4: 0x1000, pdpt: 0x2000, pd: 0x3000, gdt: 0x4000 } as const;
const CODE_SELECTOR = 0x8;
const DATA_SELECTOR = 0x10;

function flatSegment(selector: number, code: boolean, long: boolean): Segment {
  return {
    base: 0n,
    limit: 0xffffffff,
    selector,
    type: code ? 0xb : 0x3, // execute/read accessed, or read/write accessed
    present: 1,
    dpl: 0,
    db: long && code ? 0 : 1, // a 64-bit code segment must have D=0
    s: 1,
    l: long && code ? 1 : 0,
    g: 1,
    avl: 0,
    unusable: 0,
  };
}

/** The 8-byte GDT descriptor encoding of a segment. */
export function gdtDescriptor(segment: Segment): bigint {
  const limit = BigInt(segment.limit >>> 12);
  const access = BigInt(segment.type | (segment.s << 4) | (segment.dpl << 5) | (segment.present << 7));
  const flags = BigInt(segment.avl | (segment.l << 1) | (segment.db << 2) | (segment.g << 3));
  return (
    (limit & 0xffffn) |
    ((segment.base & 0xffffffn) << 16n) |
    (access << 40n) |
    (((limit >> 16n) & 0xfn) << 48n) |
    (flags << 52n) |
    (((segment.base >> 24n) & 0xffn) << 56n)
  );
}

function write64(memory: GuestMemory, guestPhysAddr: number, value: bigint): void {
  const data = new DataView(memory.bytes.buffer, memory.bytes.byteOffset, memory.bytes.byteLength);
  data.setBigUint64(guestPhysAddr - memory.guestPhysAddr, value, true);
}

function loadFlatSegments(sregs: SpecialRegisters, memory: GuestMemory, long: boolean): void {
  const code = flatSegment(CODE_SELECTOR, true, long);
  const data = flatSegment(DATA_SELECTOR, false, long);
  write64(memory, LAYOUT.gdt, 0n);
  write64(memory, LAYOUT.gdt + CODE_SELECTOR, gdtDescriptor(code));
  write64(memory, LAYOUT.gdt + DATA_SELECTOR, gdtDescriptor(data));
  sregs.gdt = { base: BigInt(LAYOUT.gdt), limit: 3 * 8 - 1 };
  sregs.cs = code;
  sregs.ds = data;
  sregs.es = data;
  sregs.fs = data;
  sregs.gs = data;
  sregs.ss = data;
}

/** Identity-maps the first 1 GiB with 2 MiB pages: PML4[0] -> PDPT[0] -> PD[0..511]. */
function writeIdentityPageTables(memory: GuestMemory): void {
  const PRESENT_WRITABLE = 0x3n;
  const HUGE = 0x80n;
  write64(memory, LAYOUT.pml4, BigInt(LAYOUT.pdpt) | PRESENT_WRITABLE);
  write64(memory, LAYOUT.pdpt, BigInt(LAYOUT.pd) | PRESENT_WRITABLE);
  for (let i = 0; i < 512; i++) {
    write64(memory, LAYOUT.pd + i * 8, (BigInt(i) << 21n) | PRESENT_WRITABLE | HUGE);
  }
}

/**
 * Sets the special registers for the mode, then the manifest's segment overrides; the caller sets
 * rip, rsp and the general registers.
 */
export function enterMode(vcpu: Vcpu, memory: GuestMemory, mode: GuestMode, segments: SegmentOverrides = {}): void {
  const sregs = vcpu.getSpecialRegisters();
  if (mode === 'real') {
    // As in the seed: code and data at segment 0, so linear address == offset.
    const cs = sregs.cs;
    cs.base = 0n;
    cs.selector = 0;
  } else {
    loadFlatSegments(sregs, memory, mode === 'long');
    sregs.cr0 = CR0_PE | CR0_ET | CR0_NE;
    if (mode === 'long') {
      writeIdentityPageTables(memory);
      sregs.cr3 = BigInt(LAYOUT.pml4);
      sregs.cr4 |= CR4_PAE;
      sregs.cr0 |= CR0_PG;
      sregs.efer |= EFER_LME | EFER_LMA;
    }
  }
  for (const name in segments) {
    const segment = name as keyof SegmentOverrides;
    Object.assign(sregs[segment], segments[segment]);
  }
  vcpu.setSpecialRegisters(sregs);
}
