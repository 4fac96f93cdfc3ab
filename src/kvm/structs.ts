/** Encoding and decoding of kvm_regs and kvm_sregs between byte buffers and plain objects. */
import {
  DTABLE_BASE,
  DTABLE_LIMIT,
  REGISTER_NAMES,
  SEGMENT_BASE,
  SEGMENT_FLAG_FIELDS,
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
  SREGS_SEGMENT_NAMES,
} from './abi.js';

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

export interface SpecialRegisters extends Record<SegmentName, Segment> {
  gdt: DescriptorTable;
  idt: DescriptorTable;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  cr8: bigint;
  efer: bigint;
  apicBase: bigint;
  /** The raw struct, so fields kvmbench does not model (interrupt_bitmap) survive a get/set round trip. */
  raw: Uint8Array;
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function zeroRegisters(): Registers {
  return Object.fromEntries(REGISTER_NAMES.map((name) => [name, 0n])) as Registers;
}

export function decodeRegisters(bytes: Uint8Array): Registers {
  const data = view(bytes);
  const regs = zeroRegisters();
  REGISTER_NAMES.forEach((name, i) => {
    regs[name] = data.getBigUint64(i * 8, true);
  });
  return regs;
}

export function encodeRegisters(regs: Registers, bytes = new Uint8Array(SIZEOF_KVM_REGS)): Uint8Array {
  const data = view(bytes);
  REGISTER_NAMES.forEach((name, i) => {
    data.setBigUint64(i * 8, BigInt.asUintN(64, regs[name]), true);
  });
  return bytes;
}

function decodeSegment(data: DataView, offset: number): Segment {
  const segment: Segment = {
    base: data.getBigUint64(offset + SEGMENT_BASE, true),
    limit: data.getUint32(offset + SEGMENT_LIMIT, true),
    selector: data.getUint16(offset + SEGMENT_SELECTOR, true),
    type: data.getUint8(offset + SEGMENT_TYPE),
    present: 0,
    dpl: 0,
    db: 0,
    s: 0,
    l: 0,
    g: 0,
    avl: 0,
    unusable: 0,
  };
  SEGMENT_FLAG_FIELDS.forEach((field, i) => {
    segment[field] = data.getUint8(offset + SEGMENT_TYPE + 1 + i);
  });
  return segment;
}

function encodeSegment(data: DataView, offset: number, segment: Segment): void {
  data.setBigUint64(offset + SEGMENT_BASE, segment.base, true);
  data.setUint32(offset + SEGMENT_LIMIT, segment.limit >>> 0, true);
  data.setUint16(offset + SEGMENT_SELECTOR, segment.selector, true);
  data.setUint8(offset + SEGMENT_TYPE, segment.type);
  SEGMENT_FLAG_FIELDS.forEach((field, i) => {
    data.setUint8(offset + SEGMENT_TYPE + 1 + i, segment[field]);
  });
}

const decodeTable = (data: DataView, offset: number): DescriptorTable => ({
  base: data.getBigUint64(offset + DTABLE_BASE, true),
  limit: data.getUint16(offset + DTABLE_LIMIT, true),
});

function encodeTable(data: DataView, offset: number, table: DescriptorTable): void {
  data.setBigUint64(offset + DTABLE_BASE, table.base, true);
  data.setUint16(offset + DTABLE_LIMIT, table.limit, true);
}

export function decodeSpecialRegisters(bytes: Uint8Array): SpecialRegisters {
  const data = view(bytes);
  const segments = Object.fromEntries(
    SREGS_SEGMENT_NAMES.map((name, i) => [name, decodeSegment(data, i * SIZEOF_KVM_SEGMENT)]),
  ) as Record<SegmentName, Segment>;
  return {
    ...segments,
    gdt: decodeTable(data, SREGS_GDT),
    idt: decodeTable(data, SREGS_IDT),
    cr0: data.getBigUint64(SREGS_CR0, true),
    cr2: data.getBigUint64(SREGS_CR2, true),
    cr3: data.getBigUint64(SREGS_CR3, true),
    cr4: data.getBigUint64(SREGS_CR4, true),
    cr8: data.getBigUint64(SREGS_CR8, true),
    efer: data.getBigUint64(SREGS_EFER, true),
    apicBase: data.getBigUint64(SREGS_APIC_BASE, true),
    raw: bytes.slice(0, SIZEOF_KVM_SREGS),
  };
}

export function encodeSpecialRegisters(sregs: SpecialRegisters): Uint8Array {
  const bytes = sregs.raw.slice(0, SIZEOF_KVM_SREGS);
  const data = view(bytes);
  SREGS_SEGMENT_NAMES.forEach((name, i) => {
    encodeSegment(data, i * SIZEOF_KVM_SEGMENT, sregs[name]);
  });
  encodeTable(data, SREGS_GDT, sregs.gdt);
  encodeTable(data, SREGS_IDT, sregs.idt);
  data.setBigUint64(SREGS_CR0, sregs.cr0, true);
  data.setBigUint64(SREGS_CR2, sregs.cr2, true);
  data.setBigUint64(SREGS_CR3, sregs.cr3, true);
  data.setBigUint64(SREGS_CR4, sregs.cr4, true);
  data.setBigUint64(SREGS_CR8, sregs.cr8, true);
  data.setBigUint64(SREGS_EFER, sregs.efer, true);
  data.setBigUint64(SREGS_APIC_BASE, sregs.apicBase, true);
  return bytes;
}
