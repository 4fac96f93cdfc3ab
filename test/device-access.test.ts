/**
 * The advice for a /dev/kvm this process cannot open, for the three permission models hosts use
 * (0666, 0660 root:kvm, 0600 root:root), on the host and in a container; then the real message, from a
 * child that opens the real /dev/kvm as an unprivileged user, and from doctor; the pid trace lines carry
 * (doctor's pid-namespace check); and the git revision a container records.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { getBinding } from '../src/bindings/registry.js';
import { runDoctor } from '../src/doctor/doctor.js';
import { kernelPid } from '../src/doctor/tracepoint-probe.js';
import { revisionFromEnv } from '../src/host/fingerprint.js';
import { findTracefs, TraceInstance } from '../src/trace/tracefs.js';
import { accessModel, adviseDeviceAccess, type DeviceFacts, modeString } from '../src/util/device-access.js';
import { kvmSkip } from './helpers/kvm.js';

const CHR = 0o020000;
const user = { processUid: 1000, processGroups: [1000] };
const facts = (mode: number, gid: number, groupName: string, inContainer: boolean): DeviceFacts => ({
  path: '/dev/kvm',
  mode: CHR | mode,
  uid: 0,
  gid,
  ownerName: 'root',
  groupName,
  inContainer,
  ...user,
});

describe('device access: the three permission models', () => {
  test('modes map to models and print like ls', () => {
    assert.equal(accessModel(0o666), 'world');
    assert.equal(accessModel(0o660), 'group');
    assert.equal(accessModel(0o600), 'owner-only');
    assert.equal(accessModel(0o640), 'owner-only', 'read-only for the group cannot open O_RDWR');
    assert.equal(modeString(CHR | 0o600), 'crw-------');
    assert.equal(modeString(CHR | 0o660), 'crw-rw----');
  });

  test('0666: the mode is not the cause, so it names the device cgroup in a container', () => {
    const advice = adviseDeviceAccess(facts(0o666, 0, 'root', true));
    assert.equal(advice.model, 'world');
    assert.equal(advice.modeAllows, true);
    assert.deepEqual(advice.dockerFlags, []);
    assert.match(advice.fix, /--device \/dev\/kvm/);
    assert.doesNotMatch(advice.fix, /--group-add|--user 0|usermod/);
    assert.match(adviseDeviceAccess(facts(0o666, 0, 'root', false)).fix, /LSM|device cgroup/);
  });

  test('0660 root:kvm: --group-add with the gid in a container, usermod on the host', () => {
    const inside = adviseDeviceAccess(facts(0o660, 993, 'kvm', true));
    assert.equal(inside.model, 'group');
    assert.equal(inside.description, 'crw-rw---- root:kvm (0660)');
    assert.equal(inside.modeAllows, false);
    assert.deepEqual(inside.dockerFlags, ['--group-add', '993']);
    assert.match(inside.fix, /--group-add 993/);
    assert.doesNotMatch(inside.fix, /--user 0|chmod/);
    const host = adviseDeviceAccess(facts(0o660, 993, 'kvm', false));
    assert.match(host.fix, /sudo usermod -aG kvm \$USER/);
    assert.doesNotMatch(host.fix, /--user 0|chmod/);
    // In the group already: then the mode is not what refuses it.
    assert.equal(
      adviseDeviceAccess({ ...facts(0o660, 993, 'kvm', true), processGroups: [1000, 993] }).modeAllows,
      true,
    );
  });

  test('0600 root:root: no --group-add; host chmod/chgrp with the udev rule, or --user 0 and what it costs', () => {
    const inside = adviseDeviceAccess(facts(0o600, 0, 'root', true));
    assert.equal(inside.model, 'owner-only');
    assert.equal(inside.description, 'crw------- root:root (0600)');
    assert.deepEqual(inside.dockerFlags, ['--user', '0']);
    assert.match(inside.fix, /--group-add cannot help/);
    assert.match(inside.fix, /`--user 0`/);
    assert.match(inside.fix, /files it writes to mounted folders belong to root/);
    assert.match(inside.fix, /chgrp kvm \/dev\/kvm && sudo chmod 0660 \/dev\/kvm/);
    assert.match(inside.fix, /\/etc\/udev\/rules\.d\/65-kvm\.rules/);
    assert.match(inside.fix, /KERNEL=="kvm", GROUP="kvm", MODE="0660"/);
    const host = adviseDeviceAccess(facts(0o600, 0, 'root', false));
    assert.match(host.fix, /chmod 0660/);
    assert.match(host.fix, /usermod -aG kvm/);
    assert.match(host.fix, /sudo/);
    assert.doesNotMatch(host.fix, /^.*--group-add \$\(stat/);
  });

  test('root may open any mode', () => {
    assert.equal(adviseDeviceAccess({ ...facts(0o600, 0, 'root', false), processUid: 0 }).modeAllows, true);
  });
});

describe('the open error on the real /dev/kvm', () => {
  const device = (() => {
    try {
      return statSync('/dev/kvm');
    } catch {
      return undefined;
    }
  })();
  const skip = !device
    ? 'no /dev/kvm here'
    : process.getuid?.() !== 0
      ? 'needs root to start a child as nobody'
      : false;

  test('an unprivileged child gets the mode, owner and the fix for them', { skip }, () => {
    const model = accessModel(Number(device?.mode));
    if (model === 'world') return; // everyone may open it: there is no EACCES to see
    const code = `
      import { getBinding } from ${JSON.stringify(new URL('../src/bindings/registry.js', import.meta.url).href)};
      import { Kvm } from ${JSON.stringify(new URL('../src/kvm/system.js', import.meta.url).href)};
      try { Kvm.open(getBinding('koffi')).close(); console.log('opened'); } catch (e) { console.log(e.message); }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const message = child.stdout.trim();
    if (message === 'opened') return; // nobody is allowed in on this host
    assert.match(message, /open \/dev\/kvm failed: EACCES/);
    assert.match(message, new RegExp(`which is ${modeString(Number(device?.mode)).replace(/[-]/g, '\\-')} `));
    if (model === 'owner-only') assert.match(message, /--group-add cannot help|no group can/);
    else assert.match(message, /usermod -aG|--group-add/);
  });
});

describe('doctor', () => {
  test('says the permission model of the real /dev/kvm before anything runs', { skip: kvmSkip }, async () => {
    const report = await runDoctor({ binding: getBinding('napi') });
    const check = report.checks.find((c) => c.name === 'kvm permissions');
    assert.ok(check, 'a kvm permissions line');
    const mode = Number(statSync('/dev/kvm').mode);
    assert.match(check.detail, new RegExp(`^/dev/kvm is ${modeString(mode)} `));
    if (accessModel(mode) !== 'world') assert.match(check.fix ?? '', /^for other users: /);
  });
});

describe('the pid trace lines carry', () => {
  const root = findTracefs();
  test("is this process's own pid outside a pid namespace", { skip: root ? false : 'tracefs is not mounted' }, () => {
    const instance = TraceInstance.create(root as string, 'pid-probe-test');
    try {
      assert.equal(kernelPid(instance), process.pid);
    } finally {
      instance.remove();
    }
  });
});

describe('git revision from the image build', () => {
  test('accepts hex revisions with an optional -dirty, ignores anything else', () => {
    assert.equal(revisionFromEnv('0123abcd4567'), '0123abcd4567');
    assert.equal(revisionFromEnv(' 0123abcd4567-dirty\n'), '0123abcd4567-dirty');
    assert.equal(revisionFromEnv(''), undefined);
    assert.equal(revisionFromEnv(undefined), undefined);
    assert.equal(revisionFromEnv('unknown'), undefined);
    assert.equal(revisionFromEnv('abc'), undefined);
  });
});
