/** The ftrace parser on a recorded trace (test/fixtures/ftrace-kvm-run.txt). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseTrace, parseTraceLine, splitExits } from '../src/trace/ftrace-parse.js';
import { countEvents } from '../src/trace/tracefs.js';

const fixture = readFileSync(fileURLToPath(new URL('../../test/fixtures/ftrace-kvm-run.txt', import.meta.url)), 'utf8');

test('syscall lines become sys_enter / sys_exit events, tracepoints keep their names', () => {
  assert.deepEqual(parseTraceLine('  node-4780    [001] .....  2168.359545: sys_ioctl(fd: 21, cmd: 0xae80, arg: 0)'), {
    pid: 4780,
    cpu: 1,
    timestamp: 2168.359545,
    name: 'sys_enter_ioctl',
    fields: 'fd: 21, cmd: 0xae80, arg: 0',
  });
  assert.equal(parseTraceLine('  node-4780 [001] ..... 2168.359552: sys_ioctl -> 0x0')?.name, 'sys_exit_ioctl');
  assert.equal(
    parseTraceLine('  node-4780 [001] d.... 2168.3: kvm_userspace_exit: reason KVM_EXIT_IO (2)')?.name,
    'kvm_userspace_exit',
  );
  assert.equal(parseTraceLine('# tracer: nop'), undefined);
});

test('the split pairs KVM_RUN entries with their returns and ignores other ioctls and threads', () => {
  const split = splitExits(parseTrace(fixture), 4780);
  assert.equal(split.runs, 3);
  assert.equal(split.userspaceExits, 3);
  assert.equal(split.pioEvents, 2);
  assert.equal(split.mmioEvents, 1);
  assert.equal(split.kernelExits, 0);
  assert.equal(split.inGuestNs, undefined, 'kvm_entry / kvm_exit did not fire');
  // In KVM_RUN: 7, 8 and 8 us; turnaround: 3 us (with a GET_REGS between) and 3 us. The parts are
  // over complete round trips (a KVM_RUN and the turnaround after it): the first two; every KVM_RUN
  // counts for the sum rule.
  assert.ok(Math.abs(split.inKvmRunNs - 7_500) < 1, `${split.inKvmRunNs}`);
  assert.ok(Math.abs(split.userspaceTurnaroundNs - 3_000) < 1, `${split.userspaceTurnaroundNs}`);
  assert.ok(Math.abs(split.roundTripNs - 10_500) < 1);
  assert.ok(Math.abs((split.allInKvmRunNs ?? 0) - 23_000 / 3) < 1);
  assert.equal(split.disturbedRoundTrips, 0);
});

test('countEvents counts tracepoints by name', () => {
  const counts = countEvents(fixture);
  assert.equal(counts.get('kvm_userspace_exit'), 3);
  assert.equal(counts.get('kvm_pio'), 2);
});

test('a real trace from a Linux 6.1 nested-KVM host splits guest time out of KVM_RUN', () => {
  const text = readFileSync(
    fileURLToPath(new URL('../../test/fixtures/ftrace-kvm-6.1-nested.txt', import.meta.url)),
    'utf8',
  );
  const events = parseTrace(text);
  const pid = events.find((event) => event.name === 'sys_enter_ioctl')?.pid as number;
  const split = splitExits(events, pid);
  assert.ok(split.runs >= 4, `runs ${split.runs}`);
  assert.equal(split.userspaceExits, split.pioEvents);
  assert.ok(split.kernelExits >= split.runs, 'kvm_exit fires on this host');
  assert.ok(split.inGuestNs !== undefined && split.inGuestNs > 0 && split.inGuestNs < split.inKvmRunNs);
  assert.ok(split.userspaceTurnaroundNs > 0);
});
