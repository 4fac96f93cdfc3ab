/**
 * The binding seam without KVM: every binding opens, ioctls, maps and closes ordinary files the
 * same way, with failures as -errno. The KVM conformance tests are in kvm.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERRNO } from '../src/util/errno.js';
import { allBindings } from './helpers/kvm.js';

const FIONREAD = 0x541b;

for (const binding of allBindings()) {
  test(`${binding.name}: open, ioctl and close report results or -errno`, () => {
    assert.equal(binding.open('/nonexistent/kvmbench'), -ERRNO.ENOENT);
    const fd = binding.open('/dev/null');
    assert.ok(fd >= 0, `open /dev/null returned ${fd}`);
    assert.equal(binding.ioctl(fd, FIONREAD, 0), -ERRNO.ENOTTY);
    assert.equal(binding.ioctlBuffer(fd, FIONREAD, new Uint8Array(4)), -ERRNO.ENOTTY);
    assert.equal(binding.close(fd), 0);
    assert.equal(binding.close(fd), -ERRNO.EBADF);
  });

  test(`${binding.name}: anonymous mappings are zero-copy and unmap cleanly`, () => {
    const mapping = binding.mapAnonymous(2 * 4096);
    assert.ok(typeof mapping !== 'number', `mapAnonymous failed with ${mapping}`);
    assert.equal(mapping.buffer.byteLength, 8192);
    assert.equal(mapping.address % 4096n, 0n);
    const bytes = new Uint8Array(mapping.buffer);
    bytes[4096] = 0xab;
    assert.equal(new Uint8Array(mapping.buffer)[4096], 0xab);
    assert.equal(binding.unmap(mapping), 0);
  });

  test(`${binding.name}: write copies into a mapping without a view; one asked for after unmap is empty`, () => {
    const mapping = binding.mapAnonymous(4096);
    assert.ok(typeof mapping !== 'number', `mapAnonymous failed with ${mapping}`);
    binding.write(mapping.address, 4093, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...new Uint8Array(mapping.buffer, 4092, 4)], [0, 1, 2, 3]);
    const untouched = binding.mapAnonymous(4096);
    assert.ok(typeof untouched !== 'number');
    binding.write(untouched.address, 0, new Uint8Array([7]));
    assert.equal(binding.unmap(untouched), 0);
    assert.equal(untouched.buffer.byteLength, 0, 'no view of unmapped memory is made');
    assert.equal(binding.unmap(mapping), 0);
  });

  test(`${binding.name}: a second unmap of a mapping does nothing, and other mappings' views stay usable`, () => {
    const first = binding.mapAnonymous(4096);
    const other = binding.mapAnonymous(4096);
    assert.ok(typeof first !== 'number' && typeof other !== 'number');
    assert.ok(first.buffer.byteLength > 0, 'a view was made');
    assert.equal(binding.unmap(first), 0);
    assert.equal(binding.unmap(first), 0, 'no second munmap of an address that may be reused');
    new Uint8Array(other.buffer)[0] = 7;
    assert.equal(binding.unmap(other), 0);
    assert.equal(new Uint8Array(first.buffer).length, 0, 'an unmapped mapping reads as empty, not detached');
  });

  test(`${binding.name}: unmap refuses a mapping it did not make`, () => {
    const foreign = { address: 0x1000n, length: 4096, buffer: new ArrayBuffer(4096) };
    assert.throws(() => binding.unmap(foreign), /unmap takes a mapping made by mapFile or mapAnonymous/);
  });

  test(`${binding.name}: mapping a file that cannot be mapped gives -errno`, () => {
    const fd = binding.open('/dev/null');
    try {
      const result = binding.mapFile(fd, 4096);
      assert.equal(typeof result, 'number');
      assert.ok((result as number) < 0);
    } finally {
      binding.close(fd);
    }
  });
}

test('napi: unmap detaches the buffer, so stale views read nothing instead of crashing', () => {
  const napi = allBindings().find((binding) => binding.name === 'napi');
  assert.ok(napi);
  const mapping = napi.mapAnonymous(4096);
  assert.ok(typeof mapping !== 'number');
  const view = new Uint8Array(mapping.buffer);
  view[0] = 1;
  napi.unmap(mapping);
  assert.equal(mapping.buffer.byteLength, 0);
  assert.equal(view[0], undefined);
});

test('napi views: view and munmap check their arguments, and munmap refuses a view of another range', async () => {
  const { loadAddon, loadViews } = await import('../src/bindings/addon.js');
  const views = loadViews();
  const napi = allBindings().find((binding) => binding.name === 'napi');
  assert.ok(napi);
  const mapping = napi.mapAnonymous(8192);
  assert.ok(typeof mapping !== 'number');
  assert.throws(() => views.view(4096 as unknown as bigint, 4096), /view: address must be a non-zero bigint/);
  assert.throws(() => views.view(0n, 4096), /view: address must be a non-zero bigint/, 'no view over address 0');
  assert.throws(() => views.view(mapping.address, -1), /view: length must be a whole number of bytes/);
  const view = views.view(mapping.address, 8192);
  new Uint8Array(view)[0] = 7;
  assert.equal(new Uint8Array(view)[0], 7, 'the view reaches the mapping');
  const usage = /munmap: view must be the ArrayBuffer view\(\) made over this mapping/;
  assert.throws(() => views.munmap(mapping.address, 8192, 1 as unknown as ArrayBuffer), usage);
  assert.throws(() => views.munmap(mapping.address, 8192, new ArrayBuffer(8192)), usage, 'another buffer');
  assert.throws(() => views.munmap(mapping.address, 4096, view), usage, 'another length');
  assert.equal(view.byteLength, 8192, 'nothing detached or unmapped on a refusal');
  assert.equal(views.munmap(mapping.address, 8192, view), 0);
  assert.equal(view.byteLength, 0, 'detached before the munmap');
  assert.equal(loadAddon().munmap(mapping.address, 0), -22, 'the N-API munmap gives -errno (EINVAL for length 0)');
});

test('a native module that is missing, or there but does not load, gets a message saying which and what to run', async () => {
  const { loadNative } = await import('../src/bindings/addon.js');
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-native-'));
  try {
    assert.throws(
      () => loadNative(join(dir, 'absent.node')),
      /the native addon is not built .*absent\.node.*npm run build:native/,
    );
    const stale = join(dir, 'stale.node');
    writeFileSync(stale, 'not a shared object');
    assert.throws(
      () => loadNative(stale),
      new RegExp(
        `stale\\.node does not load in Node\\.js ${process.version.replace(/\./g, '\\.')} \\(built for another version\\?\\): run \`npm run build:native\``,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('c-loop is the only binding with native loops', () => {
  for (const binding of allBindings()) assert.equal(Boolean(binding.native), binding.name === 'c-loop');
});
