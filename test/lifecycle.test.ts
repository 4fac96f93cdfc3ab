/**
 * The lifecycle workload on real /dev/kvm: every binding boots the seed's guest, checks its serial
 * output and times each step; and (with strace) the JS and C lifecycles make the same system calls
 * in the same order, so their per-step times compare like with like.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LIFECYCLE_STEPS, lifecycleTotals, runLifecycles } from '../src/bench/lifecycle.js';
import { GuestError } from '../src/errors.js';
import { loadGuest } from '../src/guests/manifest.js';
import { Kvm } from '../src/kvm/system.js';
import { allBindings, kvmSkip } from './helpers/kvm.js';

const LIFECYCLE_BINDINGS = ['c-loop', 'napi', 'koffi'] as const;

describe('lifecycle on /dev/kvm', { skip: kvmSkip }, () => {
  for (const binding of allBindings()) {
    test(`${binding.name}: boots hello, checks "4\\nHello\\n" and times every step`, () => {
      const kvm = Kvm.open(binding);
      try {
        const stepNs = runLifecycles(binding, kvm, loadGuest('hello'), 3);
        assert.equal(stepNs.length, 3 * LIFECYCLE_STEPS.length);
        assert.ok(
          stepNs.every((ns) => ns > 0),
          `every step takes time: ${[...stepNs]}`,
        );
        assert.equal(lifecycleTotals(stepNs).length, 3);
      } finally {
        kvm.close();
      }
    });
  }

  test('a guest whose serial output differs from the manifest fails with a GuestError', () => {
    for (const binding of allBindings().filter((b) => LIFECYCLE_BINDINGS.includes(b.name as never))) {
      const kvm = Kvm.open(binding);
      try {
        const guest = loadGuest('hello', { rax: 3n }); // prints "5" where the manifest says "4"
        assert.throws(() => runLifecycles(binding, kvm, guest, 1), GuestError, binding.name);
      } finally {
        kvm.close();
      }
    }
  });
});

function straceSkip(): string | false {
  if (kvmSkip) return kvmSkip;
  const probe = spawnSync('strace', ['-o', '/dev/null', 'true']);
  if (probe.error) return 'strace is not installed: apt-get install strace';
  if (probe.status !== 0) return `strace cannot trace here (${String(probe.stderr).trim()}): ptrace is not allowed`;
  return false;
}

/** Runs two lifecycles through one binding under strace; returns the main thread's trace lines. */
function traceLifecycles(binding: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-lifecycle-'));
  try {
    const url = (path: string) => new URL(path, import.meta.url).href;
    const script = `
      import { getBinding } from '${url('../src/bindings/registry.js')}';
      import { runLifecycles } from '${url('../src/bench/lifecycle.js')}';
      import { loadGuest } from '${url('../src/guests/manifest.js')}';
      import { Kvm } from '${url('../src/kvm/system.js')}';
      const binding = getBinding('${binding}');
      const kvm = Kvm.open(binding);
      runLifecycles(binding, kvm, loadGuest('hello'), 2);
      kvm.close();`;
    const log = join(dir, 'strace.log');
    // No -f: only the main thread, where the lifecycle runs (V8's helper threads map memory too).
    execFileSync(
      'strace',
      ['-o', log, '-e', 'trace=ioctl,mmap,munmap,close', process.execPath, '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 60_000,
      },
    );
    return readFileSync(log, 'utf8').split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The KVM system calls from the first KVM_CREATE_VM on, with fds and addresses replaced by what
 * they are (vm, vcpu, guest-memory, kvm_run), so two processes' traces compare line by line.
 */
function kvmCalls(lines: string[]): string[] {
  const names = new Map<string, string>();
  const calls: string[] = [];
  for (const line of lines) {
    const match = /^(\w+)\((.*)\)\s+=\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, call, argText, ret] = match as unknown as [string, string, string, string];
    const args = argText.split(', ');
    const first = args[0] as string;
    const request = args[1] ?? '';
    if (calls.length === 0 && !(call === 'ioctl' && request === 'KVM_CREATE_VM')) continue;
    if (call === 'ioctl' && request.startsWith('KVM_')) {
      calls.push(`ioctl(${names.get(first) ?? 'kvm'}, ${request})`);
      if (request === 'KVM_CREATE_VM') names.set(ret, 'vm');
      if (request === 'KVM_CREATE_VCPU') names.set(ret, 'vcpu');
    } else if (call === 'mmap' && argText.includes('MAP_SHARED')) {
      const what = argText.includes('MAP_ANONYMOUS') ? 'guest-memory' : `kvm_run of ${names.get(args[4] as string)}`;
      names.set(ret, what);
      calls.push(`mmap(${what})`);
    } else if ((call === 'munmap' || call === 'close') && names.has(first)) {
      calls.push(`${call}(${names.get(first)})`);
      names.delete(first);
    }
  }
  return calls;
}

/** One lifecycle of the seed's guest, as lifecycle.ts documents it: 8 serial bytes, then HLT. */
const ONE_LIFECYCLE = [
  'ioctl(kvm, KVM_CREATE_VM)',
  'mmap(guest-memory)',
  'ioctl(vm, KVM_SET_USER_MEMORY_REGION)',
  'ioctl(vm, KVM_CREATE_VCPU)',
  'mmap(kvm_run of vcpu)',
  'ioctl(vcpu, KVM_GET_SREGS)',
  'ioctl(vcpu, KVM_SET_SREGS)',
  'ioctl(vcpu, KVM_SET_REGS)',
  ...Array<string>(9).fill('ioctl(vcpu, KVM_RUN)'),
  'munmap(kvm_run of vcpu)',
  'close(vcpu)',
  'close(vm)',
  'munmap(guest-memory)',
];

test('the JS and C lifecycles make the same system calls in the same order', { skip: straceSkip() }, () => {
  for (const binding of LIFECYCLE_BINDINGS) {
    assert.deepEqual(kvmCalls(traceLifecycles(binding)), [...ONE_LIFECYCLE, ...ONE_LIFECYCLE], binding);
  }
});
