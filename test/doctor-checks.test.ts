/**
 * The doctor's checks as one list: each a named function, listed once, run in list order by
 * runDoctor; a check that needs an earlier one's finding (the open device) gets it from the context.
 * The device paths run on real /dev/kvm; the capabilities verdict is a pure function of KVM's answers.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CAPABILITIES } from '../src/abi/kvm.js';
import { getBinding } from '../src/bindings/registry.js';
import { DOCTOR_CHECKS } from '../src/doctor/checks.js';
import { runDoctor } from '../src/doctor/doctor.js';
import { capabilitiesVerdict } from '../src/doctor/kvm-checks.js';
import { DEFAULT_KVM_PATH as KVM_PATH } from '../src/kvm/system.js';
import { kvmSkip } from './helpers/kvm.js';

const openFds = () => readdirSync('/proc/self/fd').length;

describe('doctor checks', () => {
  test('every check is a named function, listed once', () => {
    const names = DOCTOR_CHECKS.map((check) => check.name);
    for (const name of names) assert.ok(name.length > 0, 'a check is an anonymous function');
    assert.equal(new Set(names).size, names.length, `a check is listed twice: ${names.join(', ')}`);
  });

  test('a device that opens: its line, its capabilities from the open handle, then the rest in list order', {
    skip: kvmSkip,
  }, async () => {
    const before = openFds();
    const report = await runDoctor({ binding: getBinding('napi'), kvmPath: KVM_PATH });
    const names = report.checks.map((check) => check.name);
    assert.deepEqual(names.slice(0, 4), ['kvm device', 'capabilities', 'kvm permissions', 'virtualization']);
    assert.deepEqual(report.checks[0], {
      name: 'kvm device',
      status: 'ok',
      detail: `${KVM_PATH} opens read/write, API version 12`,
    });
    // Every capability kvmbench uses was asked of this KVM, and the line reports each answer.
    assert.deepEqual(Object.keys(report.kvm.capabilities).sort(), Object.keys(CAPABILITIES).sort());
    assert.deepEqual(report.checks[1], capabilitiesVerdict(report.kvm.capabilities));
    assert.ok(names.indexOf('tracefs') < names.indexOf('perf'));
    assert.ok(names.indexOf('perf') < names.indexOf('tsc') && names.indexOf('tsc') < names.indexOf('versions'));
    assert.equal(report.kvm.accessible, true);
    assert.equal(openFds(), before, 'runDoctor closes the handle the device check opened');
  });

  test('a device that does not open: a FAIL, and no capabilities line', async () => {
    const report = await runDoctor({ binding: getBinding('napi'), kvmPath: '/nonexistent/kvmbench/kvm' });
    assert.equal(report.ok, false);
    assert.equal(report.checks[0]?.status, 'fail');
    assert.ok(!report.checks.some((check) => check.name === 'capabilities'));
  });

  test('the capabilities verdict names each capability KVM answered 0 for (SET_TSS_ADDR may be 0)', () => {
    const all = Object.fromEntries(Object.keys(CAPABILITIES).map((name) => [name, 1]));
    assert.equal(capabilitiesVerdict(all).status, 'ok');
    assert.equal(capabilitiesVerdict({ ...all, KVM_CAP_SET_TSS_ADDR: 0 }).status, 'ok');
    const missing = capabilitiesVerdict({ ...all, KVM_CAP_USER_MEMORY: 0, KVM_CAP_COALESCED_PIO: 0 });
    assert.equal(missing.status, 'warn');
    assert.match(missing.fix ?? '', /^missing: KVM_CAP_USER_MEMORY, KVM_CAP_COALESCED_PIO;/);
    assert.match(missing.detail, /USER_MEMORY=0/);
  });
});
