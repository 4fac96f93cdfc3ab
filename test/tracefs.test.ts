/**
 * tracefs instances on real tracefs: private per process, and removed on normal exit, on an error
 * and on SIGINT / SIGTERM, so the global trace state is never left changed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findTracefs, TraceInstance } from '../src/trace/tracefs.js';

const root = findTracefs();
function tracefsSkip(): string | false {
  if (!root) return 'tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)';
  try {
    accessSync(join(root, 'instances'), constants.W_OK);
    return false;
  } catch {
    return 'tracefs instances are not writable here (needs root)';
  }
}
const skip = tracefsSkip();
const tracefsModule = fileURLToPath(new URL('../src/trace/tracefs.js', import.meta.url));

/** A child that creates an instance, enables an event, says where it is, then waits or fails. */
function child(behaviour: 'wait' | 'throw' | 'exit') {
  const script = `
    import { TraceInstance, findTracefs } from ${JSON.stringify(tracefsModule)};
    const instance = TraceInstance.create(findTracefs(), 'test');
    instance.enable('syscalls:sys_enter_ioctl', 'common_pid == ' + process.pid);
    instance.start();
    console.log(instance.path);
    if (${JSON.stringify(behaviour)} === 'throw') throw new Error('boom');
    if (${JSON.stringify(behaviour)} === 'wait') setInterval(() => {}, 1000);
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function pathAndExit(proc: ReturnType<typeof child>, signal?: NodeJS.Signals) {
  const path = await new Promise<string>((resolve, reject) => {
    proc.stdout.once('data', (chunk) => resolve(String(chunk).trim()));
    proc.once('exit', () => reject(new Error('the child exited before creating its instance')));
  });
  assert.ok(existsSync(path), `${path} exists while the child runs`);
  if (signal) proc.kill(signal);
  const code = await new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null) resolve(proc.exitCode);
    else proc.once('exit', resolve);
  });
  return { path, code };
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} removes the instance and exits ${code}`, { skip }, async () => {
    const result = await pathAndExit(child('wait'), signal);
    assert.equal(result.code, code);
    assert.equal(existsSync(result.path), false, `${result.path} was left behind`);
  });
}

test('an uncaught error still removes the instance', { skip }, async () => {
  const result = await pathAndExit(child('throw'));
  assert.equal(result.code, 1);
  assert.equal(existsSync(result.path), false);
});

test('normal exit removes the instance', { skip }, async () => {
  const result = await pathAndExit(child('exit'));
  assert.equal(result.code, 0);
  assert.equal(existsSync(result.path), false);
});

test('instances are private: the global buffer and tracing_on are untouched', { skip }, () => {
  const globalOn = readFileSync(join(root as string, 'tracing_on'), 'utf8');
  const globalEvent = readFileSync(join(root as string, 'events/syscalls/sys_enter_ioctl/enable'), 'utf8');
  const a = TraceInstance.create(root as string, 'private-a');
  const b = TraceInstance.create(root as string, 'private-b');
  try {
    a.enable('syscalls:sys_enter_ioctl');
    a.start();
    assert.notEqual(a.path, b.path);
    assert.equal(readFileSync(join(b.path, 'events/syscalls/sys_enter_ioctl/enable'), 'utf8').trim(), '0');
    assert.equal(readFileSync(join(root as string, 'tracing_on'), 'utf8'), globalOn);
    assert.equal(readFileSync(join(root as string, 'events/syscalls/sys_enter_ioctl/enable'), 'utf8'), globalEvent);
  } finally {
    a.remove();
    b.remove();
    a.remove();
  }
  assert.equal(existsSync(a.path), false);
});
