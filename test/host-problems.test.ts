/**
 * Host problems that stop kvmbench before it measures anything, each provoked for real: a KVM that
 * answers another API version (the one injected fault: no kernel does), the open-file limit reached
 * while creating VMs (a child under `ulimit -n 64`), and guest memory beyond the address-space limit
 * (a child under `ulimit -v`). Each gives a SyscallError or HostError that names the call and the fix.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI } from './helpers/cli.js';
import { HERE_BINDINGS as BINDING_NAMES, kvmSkip } from './helpers/kvm.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-host-problems-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const moduleUrl = (path: string) => new URL(path, import.meta.url).href;

/** Runs `code` (an ES module) in a child Node under the given shell `ulimit` and returns its JSON output. */
function underLimit(
  limit: string,
  code: string,
): Record<string, { error?: { name: string; code: string; message: string }; recovered: boolean; count: number }> {
  const child = spawnSync(
    'sh',
    ['-c', `ulimit ${limit} && exec "$@"`, 'sh', process.execPath, '--input-type=module', '-e', code],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  assert.equal(child.status, 0, `the child under ulimit ${limit} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

const childPrologue = `
import { getBinding } from ${JSON.stringify(moduleUrl('../src/bindings/registry.js'))};
import { Kvm } from ${JSON.stringify(moduleUrl('../src/kvm/system.js'))};
const names = ${JSON.stringify(BINDING_NAMES)};
const results = {};
const describe = (error) => ({ name: error.name, code: error.code, message: error.message });
`;

describe('host limits', { skip: kvmSkip }, () => {
  test('reaching the open-file limit names the ioctl, EMFILE and the ulimit -n fix, and VMs work again once closed', () => {
    const results = underLimit(
      '-n 64',
      `${childPrologue}
for (const name of names) {
  const kvm = Kvm.open(getBinding(name));
  const vms = [];
  let error;
  try {
    for (let i = 0; i < 1000; i++) {
      const vm = kvm.createVm();
      vms.push(vm);
      vm.createVcpu(0);
    }
  } catch (caught) {
    error = describe(caught);
  }
  for (const vm of vms) vm.close();
  const again = kvm.createVm();
  again.createVcpu(0);
  again.close();
  kvm.close();
  results[name] = { error, recovered: true, count: vms.length };
}
console.log(JSON.stringify(results));`,
    );
    for (const name of BINDING_NAMES) {
      const { error, recovered, count } = results[name] ?? {};
      assert.ok(error, `${name}: ${count} VMs under ulimit -n 64 and no error`);
      assert.equal(error.name, 'SyscallError', `${name}: ${error.message}`);
      assert.equal(error.code, 'EMFILE', `${name}: ${error.message}`);
      assert.match(error.message, /^KVM_CREATE_(VM|VCPU) failed: EMFILE .*ulimit -n is 64\b.*ulimit -n 65536/);
      assert.ok(recovered);
    }
  });

  test('guest memory beyond the address-space limit names the mmap, ENOMEM and the fix, and the VM stays usable', () => {
    const limitKiB = 3 * 2 ** 20; // 3 GiB: room for Node, not for 4 GiB of guest memory
    const results = underLimit(
      `-v ${limitKiB}`,
      `${childPrologue}
for (const name of names) {
  const kvm = Kvm.open(getBinding(name));
  const vm = kvm.createVm();
  let error;
  try {
    vm.addMemory(0, 4 * 2 ** 30);
  } catch (caught) {
    error = describe(caught);
  }
  vm.addMemory(0, 0x1000);
  vm.createVcpu(0);
  vm.close();
  kvm.close();
  results[name] = { error, recovered: true, count: 1 };
}
console.log(JSON.stringify(results));`,
    );
    for (const name of BINDING_NAMES) {
      const { error, recovered } = results[name] ?? {};
      assert.ok(error, `${name}: 4 GiB of guest memory under ulimit -v ${limitKiB} KiB and no error`);
      assert.equal(error.code, 'ENOMEM', `${name}: ${error.message}`);
      assert.match(
        error.message,
        new RegExp(
          `^mmap of 4294967296 bytes of guest memory at 0x0 failed: ENOMEM .*ulimit -v is ${limitKiB * 1024} bytes.*memory\\.size`,
        ),
      );
      assert.ok(recovered);
    }
  });
});

const shimSource = fileURLToPath(new URL('../../test/fixtures/fake-api-version.c', import.meta.url));
function buildShim(): string | false {
  try {
    const shim = join(scratch, 'fake-api-version.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-o', shim, shimSource, '-ldl'], { stdio: 'pipe' });
    return shim;
  } catch {
    return false;
  }
}
const shim = buildShim();

// Needs no /dev/kvm: /dev/null opens, and the injected answer comes before any KVM ioctl reaches it.
test('a KVM device that answers another API version is refused with the version named, exit 1, nothing written', {
  skip: shim ? false : 'no gcc to build the LD_PRELOAD library: apt-get install gcc',
}, () => {
  const out = join(scratch, 'api-version-out');
  mkdirSync(out);
  for (const binding of ['napi', 'c-loop']) {
    const result = spawnSync(
      process.execPath,
      [CLI, 'run', '--quick', '--bindings', binding, '--kvm', '/dev/null', '--out', out],
      {
        encoding: 'utf8',
        env: { ...process.env, LD_PRELOAD: shim as string, FAKE_KVM_API_VERSION: '11' },
      },
    );
    assert.equal(result.status, 1, result.stderr);
    assert.match(
      result.stderr,
      /^kvmbench: KVM_GET_API_VERSION on \/dev\/null returned 11, but kvmbench speaks KVM API 12.*LD_PRELOAD.*kernel's own \/dev\/kvm\n$/,
    );
  }
  assert.deepEqual(readdirSync(out), []);
});
