/** kvm_regs and kvm_sregs codecs: round trips, in-place field writes, and the struct buffer arena. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIZEOF_KVM_SEGMENT, SIZEOF_KVM_SREGS, SREGS_APIC_BASE, SREGS_CR4, SREGS_GDT } from '../src/abi/kvm.js';
import {
  copySegment,
  decodeRegisters,
  decodeSpecialRegisters,
  encodeRegisters,
  encodeSpecialRegisters,
  type Segment,
  structBuffer,
  zeroRegisters,
} from '../src/kvm/structs.js';

/** A kvm_sregs whose every byte differs from its neighbours, so a stray write shows. */
function patternedSregs(): Uint8Array {
  return Uint8Array.from({ length: SIZEOF_KVM_SREGS }, (_, i) => (i * 7 + 3) & 0xff);
}

function changedOffsets(before: Uint8Array, after: Uint8Array): number[] {
  return [...after.keys()].filter((i) => after[i] !== before[i]);
}

test('kvm_regs: every register round trips, and negative values wrap to 64 bits', () => {
  const regs = zeroRegisters();
  regs.rax = -1n;
  regs.rsp = 0x7000n;
  regs.rip = 0x1000n;
  regs.rflags = 2n;
  const decoded = decodeRegisters(encodeRegisters(regs));
  assert.deepEqual(decoded, { ...regs, rax: 0xffff_ffff_ffff_ffffn });
});

test('kvm_regs: encoding into a given buffer fills all 144 bytes of it', () => {
  const bytes = new Uint8Array(144).fill(0xaa);
  encodeRegisters(zeroRegisters(), bytes);
  assert.ok(bytes.every((b) => b === 0));
});

test("kvm_sregs: changing cs's base and selector writes those bytes and no other", () => {
  const before = patternedSregs();
  const sregs = decodeSpecialRegisters(before.slice());
  sregs.cs.base = 0n;
  sregs.cs.selector = 0;
  const changed = changedOffsets(before, encodeSpecialRegisters(sregs));
  assert.ok(changed.length > 0);
  assert.ok(
    changed.every((i) => i < 8 || i === 12 || i === 13),
    `bytes changed outside cs.base / cs.selector: ${changed}`,
  );
});

test('kvm_sregs: assigning a segment copies every field in; copySegment reads them back', () => {
  const sregs = decodeSpecialRegisters(patternedSregs());
  const flat: Segment = {
    base: 0x1234n,
    limit: 0xffffffff,
    selector: 0x10,
    type: 3,
    present: 1,
    dpl: 0,
    db: 1,
    s: 1,
    l: 0,
    g: 1,
    avl: 0,
    unusable: 0,
  };
  sregs.ss = flat;
  flat.base = 0n; // the assignment copied, so later changes to the source do not leak in
  assert.deepEqual(copySegment(sregs.ss), { ...flat, base: 0x1234n });
  assert.equal(sregs.ds.selector, new DataView(sregs.raw.buffer).getUint16(SIZEOF_KVM_SEGMENT + 12, true));
});

test('kvm_sregs: tables, control registers and unmodelled bytes (interrupt_bitmap) survive', () => {
  const before = patternedSregs();
  const sregs = decodeSpecialRegisters(before.slice());
  sregs.gdt = { base: 0x4000n, limit: 23 };
  sregs.cr4 |= 1n << 5n;
  Object.assign(sregs.fs, { dpl: 3 });
  const raw = encodeSpecialRegisters(sregs);
  const data = new DataView(raw.buffer, raw.byteOffset);
  assert.equal(data.getBigUint64(SREGS_GDT, true), 0x4000n);
  assert.equal(data.getUint16(SREGS_GDT + 8, true), 23);
  assert.equal(data.getBigUint64(SREGS_CR4, true), new DataView(before.buffer).getBigUint64(SREGS_CR4, true) | 32n);
  assert.equal(sregs.fs.dpl, 3);
  assert.deepEqual(raw.subarray(SREGS_APIC_BASE), before.subarray(SREGS_APIC_BASE));
});

test('structBuffer: zeroed, 8-byte aligned, never shared', () => {
  const buffers = Array.from({ length: 500 }, () => structBuffer(SIZEOF_KVM_SREGS));
  for (const bytes of buffers) {
    assert.equal(bytes.byteLength, SIZEOF_KVM_SREGS);
    assert.equal(bytes.byteOffset % 8, 0);
    assert.ok(bytes.every((b) => b === 0));
    bytes.fill(0xff);
  }
  assert.ok(
    structBuffer(SIZEOF_KVM_SREGS).every((b) => b === 0),
    'a new buffer starts zeroed after others were written',
  );
});
