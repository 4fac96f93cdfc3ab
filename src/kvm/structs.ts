/** Encoding and decoding of kvm_regs and kvm_sregs between byte buffers and plain objects. */
import {
  DTABLE_BASE,
  DTABLE_LIMIT,
  type REGISTER_NAMES,
  SEGMENT_BASE,
  SEGMENT_LIMIT,
  SEGMENT_SELECTOR,
  SEGMENT_TYPE,
  SIZEOF_KVM_REGS,
  SIZEOF_KVM_SEGMENT,
  SIZEOF_KVM_SREGS,
  SREGS_APIC_BASE,
  SREGS_CR0,
  SREGS_CR2,
  SREGS_CR3,
  SREGS_CR4,
  SREGS_CR8,
  SREGS_EFER,
  SREGS_GDT,
  SREGS_IDT,
  type SREGS_SEGMENT_NAMES,
} from '../abi/kvm.js';

export type RegisterName = (typeof REGISTER_NAMES)[number];
export type Registers = Record<RegisterName, bigint>;

export interface Segment {
  base: bigint;
  limit: number;
  selector: number;
  type: number;
  present: number;
  dpl: number;
  db: number;
  s: number;
  l: number;
  g: number;
  avl: number;
  unusable: number;
}

export interface DescriptorTable {
  base: bigint;
  limit: number;
}

export type SegmentName = (typeof SREGS_SEGMENT_NAMES)[number];

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

// Struct buffers for GET ioctls are carved out of 64 KiB arenas: a view costs one small object, where
// a fresh ArrayBuffer costs a zeroed off-heap allocation that the GC must track and sweep. Arena
// bytes are never handed out twice (so each buffer starts zeroed); a view keeps only its arena alive.
const ARENA_BYTES = 64 * 1024;
let arena = new ArrayBuffer(ARENA_BYTES);
let arenaUsed = 0;

/** A zeroed, 8-byte aligned buffer of size bytes for a kernel struct. */
export function structBuffer(size: number): Uint8Array {
  const aligned = (size + 7) & ~7;
  if (arenaUsed + aligned > ARENA_BYTES) {
    arena = new ArrayBuffer(Math.max(ARENA_BYTES, aligned));
    arenaUsed = 0;
  }
  const bytes = new Uint8Array(arena, arenaUsed, size);
  arenaUsed += aligned;
  return bytes;
}

// The codecs below are written out field by field, with no per-field closures or computed keys: they
// run in the timed steps of the lifecycle benchmark, where each object shape must stay monomorphic.

export function zeroRegisters(): Registers {
  return {
    rax: 0n,
    rbx: 0n,
    rcx: 0n,
    rdx: 0n,
    rsi: 0n,
    rdi: 0n,
    rsp: 0n,
    rbp: 0n,
    r8: 0n,
    r9: 0n,
    r10: 0n,
    r11: 0n,
    r12: 0n,
    r13: 0n,
    r14: 0n,
    r15: 0n,
    rip: 0n,
    rflags: 0n,
  };
}

export function decodeRegisters(bytes: Uint8Array): Registers {
  const data = view(bytes);
  const u64 = (i: number) => data.getBigUint64(i * 8, true);
  return {
    rax: u64(0),
    rbx: u64(1),
    rcx: u64(2),
    rdx: u64(3),
    rsi: u64(4),
    rdi: u64(5),
    rsp: u64(6),
    rbp: u64(7),
    r8: u64(8),
    r9: u64(9),
    r10: u64(10),
    r11: u64(11),
    r12: u64(12),
    r13: u64(13),
    r14: u64(14),
    r15: u64(15),
    rip: u64(16),
    rflags: u64(17),
  };
}

/** Encodes into bytes (a new buffer unless one is given); setBigUint64 wraps negative values to 64 bits. */
export function encodeRegisters(regs: Registers, bytes = new Uint8Array(SIZEOF_KVM_REGS)): Uint8Array {
  const data = view(bytes);
  const set = (i: number, value: bigint) => data.setBigUint64(i * 8, value, true);
  set(0, regs.rax);
  set(1, regs.rbx);
  set(2, regs.rcx);
  set(3, regs.rdx);
  set(4, regs.rsi);
  set(5, regs.rdi);
  set(6, regs.rsp);
  set(7, regs.rbp);
  set(8, regs.r8);
  set(9, regs.r9);
  set(10, regs.r10);
  set(11, regs.r11);
  set(12, regs.r12);
  set(13, regs.r13);
  set(14, regs.r14);
  set(15, regs.r15);
  set(16, regs.rip);
  set(17, regs.rflags);
  return bytes;
}

// SEGMENT_TYPE + 1 + i is SEGMENT_FLAG_FIELDS[i]: present, dpl, db, s, l, g, avl, unusable.
const FLAG = SEGMENT_TYPE + 1;

/**
 * One struct kvm_segment inside a kvm_sregs: every field reads and writes the struct's bytes, so
 * changing one field costs one store, as in C. Copy it field by field (or with copySegment), not
 * with a spread: the fields are accessors.
 */
export class SegmentView implements Segment {
  constructor(
    readonly data: DataView,
    readonly offset: number,
  ) {}

  get base(): bigint {
    return this.data.getBigUint64(this.offset + SEGMENT_BASE, true);
  }
  set base(value: bigint) {
    this.data.setBigUint64(this.offset + SEGMENT_BASE, value, true);
  }
  get limit(): number {
    return this.data.getUint32(this.offset + SEGMENT_LIMIT, true);
  }
  set limit(value: number) {
    this.data.setUint32(this.offset + SEGMENT_LIMIT, value >>> 0, true);
  }
  get selector(): number {
    return this.data.getUint16(this.offset + SEGMENT_SELECTOR, true);
  }
  set selector(value: number) {
    this.data.setUint16(this.offset + SEGMENT_SELECTOR, value, true);
  }
  get type(): number {
    return this.data.getUint8(this.offset + SEGMENT_TYPE);
  }
  set type(value: number) {
    this.data.setUint8(this.offset + SEGMENT_TYPE, value);
  }
  get present(): number {
    return this.data.getUint8(this.offset + FLAG);
  }
  set present(value: number) {
    this.data.setUint8(this.offset + FLAG, value);
  }
  get dpl(): number {
    return this.data.getUint8(this.offset + FLAG + 1);
  }
  set dpl(value: number) {
    this.data.setUint8(this.offset + FLAG + 1, value);
  }
  get db(): number {
    return this.data.getUint8(this.offset + FLAG + 2);
  }
  set db(value: number) {
    this.data.setUint8(this.offset + FLAG + 2, value);
  }
  get s(): number {
    return this.data.getUint8(this.offset + FLAG + 3);
  }
  set s(value: number) {
    this.data.setUint8(this.offset + FLAG + 3, value);
  }
  get l(): number {
    return this.data.getUint8(this.offset + FLAG + 4);
  }
  set l(value: number) {
    this.data.setUint8(this.offset + FLAG + 4, value);
  }
  get g(): number {
    return this.data.getUint8(this.offset + FLAG + 5);
  }
  set g(value: number) {
    this.data.setUint8(this.offset + FLAG + 5, value);
  }
  get avl(): number {
    return this.data.getUint8(this.offset + FLAG + 6);
  }
  set avl(value: number) {
    this.data.setUint8(this.offset + FLAG + 6, value);
  }
  get unusable(): number {
    return this.data.getUint8(this.offset + FLAG + 7);
  }
  set unusable(value: number) {
    this.data.setUint8(this.offset + FLAG + 7, value);
  }
}

/** A plain copy of a segment's fields (from a SegmentView or any Segment). */
export function copySegment(segment: Segment): Segment {
  return {
    base: segment.base,
    limit: segment.limit,
    selector: segment.selector,
    type: segment.type,
    present: segment.present,
    dpl: segment.dpl,
    db: segment.db,
    s: segment.s,
    l: segment.l,
    g: segment.g,
    avl: segment.avl,
    unusable: segment.unusable,
  };
}

/** One struct kvm_dtable inside a kvm_sregs, read and written in place like SegmentView. */
export class DescriptorTableView implements DescriptorTable {
  constructor(
    readonly data: DataView,
    readonly offset: number,
  ) {}

  get base(): bigint {
    return this.data.getBigUint64(this.offset + DTABLE_BASE, true);
  }
  set base(value: bigint) {
    this.data.setBigUint64(this.offset + DTABLE_BASE, value, true);
  }
  get limit(): number {
    return this.data.getUint16(this.offset + DTABLE_LIMIT, true);
  }
  set limit(value: number) {
    this.data.setUint16(this.offset + DTABLE_LIMIT, value, true);
  }
}

function writeSegment(target: SegmentView, segment: Segment): void {
  target.base = segment.base;
  target.limit = segment.limit;
  target.selector = segment.selector;
  target.type = segment.type;
  target.present = segment.present;
  target.dpl = segment.dpl;
  target.db = segment.db;
  target.s = segment.s;
  target.l = segment.l;
  target.g = segment.g;
  target.avl = segment.avl;
  target.unusable = segment.unusable;
}

/**
 * struct kvm_sregs over its own bytes, with no decoding: each field reads and writes the bytes
 * (segments and descriptor tables are views, made on first use), so a VMM that changes one field
 * (the seed's real-mode cs) pays for that field, as it would in C. Assigning a whole segment or
 * table copies its fields in. Fields kvmbench does not model (interrupt_bitmap) are simply kept.
 */
export class SpecialRegisters implements Record<SegmentName, Segment> {
  /** The struct's bytes (SIZEOF_KVM_SREGS), always up to date. */
  readonly raw: Uint8Array;
  readonly #data: DataView;
  // Views made on first use, each getter on its own (no shared helper): on a PVM host every system
  // call leaves user code cold, and each distinct JS function run after it costs ~0.5-1 us, so the
  // seed's real-mode path (cs.base, cs.selector) runs as few of them as possible.
  #cs: SegmentView | undefined;
  #ds: SegmentView | undefined;
  #es: SegmentView | undefined;
  #fs: SegmentView | undefined;
  #gs: SegmentView | undefined;
  #ss: SegmentView | undefined;
  #tr: SegmentView | undefined;
  #ldt: SegmentView | undefined;
  #gdt: DescriptorTableView | undefined;
  #idt: DescriptorTableView | undefined;

  /** Takes bytes as its own (no copy): pass a buffer nothing else writes. */
  constructor(bytes: Uint8Array) {
    if (bytes.byteLength < SIZEOF_KVM_SREGS) {
      throw new RangeError(`struct kvm_sregs is ${SIZEOF_KVM_SREGS} bytes, got ${bytes.byteLength}`);
    }
    this.raw = bytes;
    this.#data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get cs(): Segment {
    this.#cs ??= new SegmentView(this.#data, 0);
    return this.#cs;
  }
  set cs(segment: Segment) {
    writeSegment(this.cs as SegmentView, segment);
  }
  get ds(): Segment {
    this.#ds ??= new SegmentView(this.#data, 1 * SIZEOF_KVM_SEGMENT);
    return this.#ds;
  }
  set ds(segment: Segment) {
    writeSegment(this.ds as SegmentView, segment);
  }
  get es(): Segment {
    this.#es ??= new SegmentView(this.#data, 2 * SIZEOF_KVM_SEGMENT);
    return this.#es;
  }
  set es(segment: Segment) {
    writeSegment(this.es as SegmentView, segment);
  }
  get fs(): Segment {
    this.#fs ??= new SegmentView(this.#data, 3 * SIZEOF_KVM_SEGMENT);
    return this.#fs;
  }
  set fs(segment: Segment) {
    writeSegment(this.fs as SegmentView, segment);
  }
  get gs(): Segment {
    this.#gs ??= new SegmentView(this.#data, 4 * SIZEOF_KVM_SEGMENT);
    return this.#gs;
  }
  set gs(segment: Segment) {
    writeSegment(this.gs as SegmentView, segment);
  }
  get ss(): Segment {
    this.#ss ??= new SegmentView(this.#data, 5 * SIZEOF_KVM_SEGMENT);
    return this.#ss;
  }
  set ss(segment: Segment) {
    writeSegment(this.ss as SegmentView, segment);
  }
  get tr(): Segment {
    this.#tr ??= new SegmentView(this.#data, 6 * SIZEOF_KVM_SEGMENT);
    return this.#tr;
  }
  set tr(segment: Segment) {
    writeSegment(this.tr as SegmentView, segment);
  }
  get ldt(): Segment {
    this.#ldt ??= new SegmentView(this.#data, 7 * SIZEOF_KVM_SEGMENT);
    return this.#ldt;
  }
  set ldt(segment: Segment) {
    writeSegment(this.ldt as SegmentView, segment);
  }

  get gdt(): DescriptorTable {
    this.#gdt ??= new DescriptorTableView(this.#data, SREGS_GDT);
    return this.#gdt;
  }
  set gdt(table: DescriptorTable) {
    const target = this.gdt;
    target.base = table.base;
    target.limit = table.limit;
  }
  get idt(): DescriptorTable {
    this.#idt ??= new DescriptorTableView(this.#data, SREGS_IDT);
    return this.#idt;
  }
  set idt(table: DescriptorTable) {
    const target = this.idt;
    target.base = table.base;
    target.limit = table.limit;
  }

  get cr0(): bigint {
    return this.#data.getBigUint64(SREGS_CR0, true);
  }
  set cr0(value: bigint) {
    this.#data.setBigUint64(SREGS_CR0, value, true);
  }
  get cr2(): bigint {
    return this.#data.getBigUint64(SREGS_CR2, true);
  }
  set cr2(value: bigint) {
    this.#data.setBigUint64(SREGS_CR2, value, true);
  }
  get cr3(): bigint {
    return this.#data.getBigUint64(SREGS_CR3, true);
  }
  set cr3(value: bigint) {
    this.#data.setBigUint64(SREGS_CR3, value, true);
  }
  get cr4(): bigint {
    return this.#data.getBigUint64(SREGS_CR4, true);
  }
  set cr4(value: bigint) {
    this.#data.setBigUint64(SREGS_CR4, value, true);
  }
  get cr8(): bigint {
    return this.#data.getBigUint64(SREGS_CR8, true);
  }
  set cr8(value: bigint) {
    this.#data.setBigUint64(SREGS_CR8, value, true);
  }
  get efer(): bigint {
    return this.#data.getBigUint64(SREGS_EFER, true);
  }
  set efer(value: bigint) {
    this.#data.setBigUint64(SREGS_EFER, value, true);
  }
  get apicBase(): bigint {
    return this.#data.getBigUint64(SREGS_APIC_BASE, true);
  }
  set apicBase(value: bigint) {
    this.#data.setBigUint64(SREGS_APIC_BASE, value, true);
  }
}

/** A kvm_sregs over bytes (not copied: pass a buffer the caller gives away). */
export function decodeSpecialRegisters(bytes: Uint8Array): SpecialRegisters {
  return new SpecialRegisters(bytes);
}

/** The struct's bytes, ready for KVM_SET_SREGS. */
export function encodeSpecialRegisters(sregs: SpecialRegisters): Uint8Array {
  return sregs.raw;
}
