/**
 * The doctor's checks as one list: each a named function, listed once, run in list order by
 * runDoctor; a check that needs an earlier one's finding (the open device) gets it from the context.
 * A fake binding answers the KVM ioctls on a plain file, so the device paths run without /dev/kvm.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CAPABILITIES, KVM_CHECK_EXTENSION, KVM_GET_API_VERSION } from '../src/abi/kvm.js';
import type { Binding } from '../src/bindings/types.js';
import { DOCTOR_CHECKS } from '../src/doctor/checks.js';
import { runDoctor } from '../src/doctor/doctor.js';

const ENOTTY = 25;

/** A binding whose "device" answers KVM_GET_API_VERSION (12) and KVM_CHECK_EXTENSION (1, or 0 for `absent`). */
function fakeKvmBinding(absent?: number): Binding & { closed: number[] } {
  const closed: number[] = [];
  return {
    name: 'napi',
    description: 'answers KVM ioctls on a plain file',
    version: 'test',
    closed,
    open: (path) => openSync(path, 'r+'),
    close: (fd) => {
      closed.push(fd);
      closeSync(fd);
      return 0;
    },
    ioctl: (_fd, request, arg) =>
      request === KVM_GET_API_VERSION ? 12 : request === KVM_CHECK_EXTENSION ? (arg === absent ? 0 : 1) : -ENOTTY,
    ioctlBuffer: () => -ENOTTY,
    mapFile: () => -ENOTTY,
    mapAnonymous: () => -ENOTTY,
    write: () => {},
    unmap: () => 0,
    runner: () => () => -ENOTTY,
  };
}

describe('doctor checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-doctor-'));
  const device = join(dir, 'kvm');
  writeFileSync(device, '');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every check is a named function, listed once', () => {
    const names = DOCTOR_CHECKS.map((check) => check.name);
    for (const name of names) assert.ok(name.length > 0, 'a check is an anonymous function');
    assert.equal(new Set(names).size, names.length, `a check is listed twice: ${names.join(', ')}`);
  });

  test('a device that opens: its line, its capabilities from the open handle, then the rest in list order', async () => {
    const binding = fakeKvmBinding(CAPABILITIES.KVM_CAP_USER_MEMORY);
    const report = await runDoctor({ binding, kvmPath: device });
    const names = report.checks.map((check) => check.name);
    assert.deepEqual(names.slice(0, 4), ['kvm device', 'capabilities', 'kvm permissions', 'virtualization']);
    assert.deepEqual(report.checks[0], {
      name: 'kvm device',
      status: 'ok',
      detail: `${device} opens read/write, API version 12`,
    });
    assert.equal(report.checks[1]?.status, 'warn');
    assert.match(report.checks[1]?.fix ?? '', /^missing: KVM_CAP_USER_MEMORY;/);
    assert.equal(report.kvm.capabilities.KVM_CAP_USER_MEMORY, 0);
    assert.ok(names.indexOf('tracefs') < names.indexOf('perf'));
    assert.ok(names.indexOf('perf') < names.indexOf('tsc') && names.indexOf('tsc') < names.indexOf('versions'));
    assert.equal(report.kvm.accessible, true);
    assert.equal(binding.closed.length, 1, 'runDoctor closes the handle the device check opened');
  });

  test('a device that does not open: a FAIL, and no capabilities line', async () => {
    const report = await runDoctor({ binding: fakeKvmBinding(), kvmPath: join(dir, 'absent') });
    assert.equal(report.ok, false);
    assert.equal(report.checks[0]?.status, 'fail');
    assert.ok(!report.checks.some((check) => check.name === 'capabilities'));
  });
});
