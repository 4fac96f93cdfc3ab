/** The guest manifest, images and the host-built CPU state, without KVM. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { checkImageFits, loadGuest, loadManifest, parseGuestSpec } from '../src/guests/manifest.js';
import { gdtDescriptor } from '../src/guests/modes.js';
import { decodeRegisters, encodeRegisters, zeroRegisters } from '../src/kvm/structs.js';

const valid = {
  name: 'x',
  description: 'd',
  source: 'x.S',
  mode: 'real',
  memory: { base: '0x1000', size: '0x1000' },
  load: '0x1000',
  exits: { kind: 'pio-out', port: '0xe9' },
};

test('the shipped manifest loads and every image is built and fits', () => {
  const specs = loadManifest();
  assert.ok(specs.length >= 10);
  for (const spec of specs) {
    const guest = loadGuest(spec.name);
    assert.ok(guest.image.length > 0, `${spec.name} image is empty`);
  }
});

test("hello's image is the seed's program byte for byte", () => {
  const seed = [
    0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xb0, 0x48, 0xee, 0xb0, 0x65, 0xee, 0xb0, 0x6c,
    0xee, 0xb0, 0x6c, 0xee, 0xb0, 0x6f, 0xee, 0xb0, 0x0a, 0xee, 0xf4,
  ];
  assert.deepEqual([...loadGuest('hello').image], seed);
  assert.equal(loadGuest('hello').registers.rax, 2n);
});

const badFields: [string, Record<string, unknown>, RegExp][] = [
  ['a bad mode', { mode: 'virtual-8086' }, /'mode' must be one of real, protected, long \(got "virtual-8086"\)/],
  ['a non-numeric size', { memory: { base: 0, size: 'lots' } }, /'memory.size' must be a non-negative integer/],
  ['an unaligned size', { memory: { base: '0x1000', size: '0x1234' } }, /multiples of 0x1000/],
  ['a load address outside memory', { load: '0x9000' }, /load address 0x9000 is outside/],
  ['an unknown register', { registers: { rzz: 1 } }, /'registers' must be one of/],
  ['an unknown exit kind', { exits: { kind: 'teleport' } }, /'exits.kind' must be one of/],
  [
    'an unknown segment register',
    { segments: { xs: { db: 1 } } },
    /'segments' must be one of cs, ds, es, fs, gs, ss \(got "xs"\)/,
  ],
  ['a segment field the mode owns', { segments: { cs: { base: 0 } } }, /'segments.cs' must be one of type, present/],
  ['a negative segment bit', { segments: { cs: { db: -1 } } }, /'segments.cs.db' must be a non-negative integer/],
  ['a segment bit above 1', { segments: { ss: { db: 2 } } }, /'segments.ss.db' must be at most 1 \(got 2\)/],
  ['a bad name', { name: 'Bad Name' }, /guest name 'Bad Name'/],
  [
    'long mode in low memory',
    { mode: 'long', memory: { base: 0, size: '0x1000' }, load: 0 },
    /long mode guests need memory from 0x0/,
  ],
];

for (const [what, change, message] of badFields) {
  test(`a manifest entry with ${what} is refused with the field named`, () => {
    assert.throws(
      () => parseGuestSpec({ ...valid, ...change }, 'manifest.json guests[0]'),
      (error: Error) =>
        error instanceof UsageError && message.test(error.message) && /manifest.json guests\[0\]/.test(error.message),
    );
  });
}

test('triple-fault is a long mode guest that loads an IDT of limit 0 and faults with ud2', () => {
  // Real mode ignores the IDT limit under KVM's instruction emulator (PVM), and int3 with an empty
  // IDT ends in an emulation failure there: only this shape triple-faults on every KVM.
  const guest = loadGuest('triple-fault');
  assert.equal(guest.mode, 'long');
  const lidt = [0x0f, 0x01, 0x1d]; // lidt disp32(%rip)
  assert.deepEqual([...guest.image.subarray(0, 3)], lidt);
  assert.deepEqual([...guest.image.subarray(7, 9)], [0x0f, 0x0b], 'ud2 right after the lidt');
  const descriptor = 7 + new DataView(guest.image.buffer, guest.image.byteOffset).getInt32(3, true);
  assert.deepEqual([...guest.image.subarray(descriptor, descriptor + 10)], Array(10).fill(0), 'limit 0, base 0');
  assert.ok(guest.load - 0x100 >= 0x5000, 'room below the load address for the stack (rsp = load)');
});

test('an image too large for its memory is refused before any VM exists', () => {
  const spec = parseGuestSpec(valid, 'test');
  assert.throws(
    () => checkImageFits({ ...spec, image: new Uint8Array(0x1001) }),
    /image is 4097 bytes but only 4096 bytes .* enlarge memory.size/,
  );
});

test('unknown guest names list the known ones', () => {
  assert.throws(() => loadGuest('nope'), /unknown guest 'nope': choose one of hello, /);
});

test('GDT descriptors encode flat 32-bit and 64-bit code segments as the SDM gives them', () => {
  const flat = { base: 0n, limit: 0xffffffff, selector: 8, present: 1, dpl: 0, s: 1, avl: 0, unusable: 0 };
  assert.equal(gdtDescriptor({ ...flat, type: 0xb, db: 1, l: 0, g: 1 }), 0x00cf9b000000ffffn);
  assert.equal(gdtDescriptor({ ...flat, type: 0xb, db: 0, l: 1, g: 1 }), 0x00af9b000000ffffn);
  assert.equal(gdtDescriptor({ ...flat, type: 0x3, db: 1, l: 0, g: 1 }), 0x00cf93000000ffffn);
});

test('kvm_regs encode and decode round trip', () => {
  const regs = zeroRegisters();
  regs.rip = 0x1000n;
  regs.rflags = 2n;
  regs.r15 = 0xffff_ffff_ffff_ffffn;
  assert.deepEqual(decodeRegisters(encodeRegisters(regs)), regs);
});
