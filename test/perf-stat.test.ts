/**
 * The perf-stat session on real perf: counts of sys_enter_ioctl over a bracketed batch of ioctls
 * equal the number of ioctls the batch made. Needs no KVM: the ioctls go to /dev/null.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getBinding } from '../src/bindings/registry.js';
import { HostError } from '../src/errors.js';
import { createPerfStatSession, parsePerfStatCsv } from '../src/trace/perf-stat-session.js';
import { perfSkip } from './helpers/perf.js';

test('perf stat -x, output parses into counts by event', () => {
  const text = '1234,,syscalls:sys_enter_ioctl,100.00,,\n<not counted>,,kvm:kvm_exit,0,,\n\n';
  assert.deepEqual(parsePerfStatCsv(text), { 'syscalls:sys_enter_ioctl': 1234, 'kvm:kvm_exit': 0 });
});

test('perf-stat counts exactly the ioctls of the bracketed batch', { skip: perfSkip }, async () => {
  let session: ReturnType<typeof createPerfStatSession>;
  try {
    session = createPerfStatSession(() => 'syscalls:sys_enter_ioctl');
  } catch (error) {
    if (error instanceof HostError) return assert.fail(error.message);
    throw error;
  }
  const binding = getBinding('koffi');
  const fd = binding.open('/dev/null');
  try {
    binding.ioctl(fd, 0x541b, 0); // outside the bracket: must not be counted
    await session.begin('null');
    const n = 5000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) binding.ioctl(fd, 0x541b, 0);
    const trace = await session.end('null', n, Number(process.hrtime.bigint() - started));
    assert.deepEqual(trace.countCheck, {
      counter: 'syscalls:sys_enter_ioctl',
      expected: n,
      observed: n,
      matched: true,
    });
  } finally {
    binding.close(fd);
    await session.close();
  }
});
