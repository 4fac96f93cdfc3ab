/** Every ABI number in src/abi/kvm.ts against the host's <linux/kvm.h>, via a compiled C probe. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as abi from '../src/abi/kvm.js';

const probeSource = fileURLToPath(new URL('../../test/fixtures/abi-probe.c', import.meta.url));
function probeSkip(): string | false {
  if (!existsSync('/usr/include/linux/kvm.h')) return 'no <linux/kvm.h>: apt-get install linux-libc-dev';
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no gcc to compile the ABI probe: apt-get install gcc';
  }
}
const skip = probeSkip();

function probe(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-abi-'));
  try {
    const binary = join(dir, 'probe');
    execFileSync('gcc', ['-o', binary, probeSource]);
    return JSON.parse(execFileSync(binary, { encoding: 'utf8' })) as Record<string, number>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Names the probe prints that abi.ts expresses differently. */
function tsValue(name: string): number | undefined {
  const table = abi as unknown as Record<string, unknown>;
  if (typeof table[name] === 'number') return table[name] as number;
  const derived: Record<string, number> = {
    SEGMENT_PRESENT: abi.SEGMENT_TYPE + 1 + abi.SEGMENT_FLAG_FIELDS.indexOf('present'),
    SEGMENT_UNUSABLE: abi.SEGMENT_TYPE + 1 + abi.SEGMENT_FLAG_FIELDS.indexOf('unusable'),
    SREGS_CS: abi.SREGS_SEGMENT_NAMES.indexOf('cs') * abi.SIZEOF_KVM_SEGMENT,
    SREGS_LDT: abi.SREGS_SEGMENT_NAMES.indexOf('ldt') * abi.SIZEOF_KVM_SEGMENT,
    REGS_RAX: abi.REGISTER_NAMES.indexOf('rax') * 8,
    REGS_RIP: abi.REGISTER_NAMES.indexOf('rip') * 8,
    REGS_RFLAGS: abi.REGISTER_NAMES.indexOf('rflags') * 8,
  };
  return derived[name];
}

test('every ABI number matches <linux/kvm.h>', { skip }, () => {
  const host = probe();
  const names = Object.keys(host);
  assert.ok(names.length > 80, `the probe printed only ${names.length} numbers`);
  for (const name of names) {
    assert.equal(tsValue(name), host[name], `${name}: abi.ts says ${tsValue(name)}, <linux/kvm.h> says ${host[name]}`);
  }
  assert.equal(abi.REGISTER_NAMES.length * 8, abi.SIZEOF_KVM_REGS);
});

test('the typed-array indexes of kvm_run point at the byte offsets of their fields', () => {
  const indexes: [number, number, number][] = [
    [abi.RUN_U32_EXIT_REASON, 4, abi.RUN_EXIT_REASON],
    [abi.RUN_U8_IO_DIRECTION, 1, abi.RUN_IO_DIRECTION],
    [abi.RUN_U8_IO_SIZE, 1, abi.RUN_IO_SIZE],
    [abi.RUN_U16_IO_PORT, 2, abi.RUN_IO_PORT],
    [abi.RUN_U32_IO_COUNT, 4, abi.RUN_IO_COUNT],
    [abi.RUN_U32_IO_DATA_OFFSET, 4, abi.RUN_IO_DATA_OFFSET],
    [abi.RUN_U32_MMIO_PHYS_ADDR_LOW, 4, abi.RUN_MMIO_PHYS_ADDR],
    [abi.RUN_U32_MMIO_PHYS_ADDR_HIGH, 4, abi.RUN_MMIO_PHYS_ADDR + 4],
    [abi.RUN_U8_MMIO_DATA, 1, abi.RUN_MMIO_DATA],
    [abi.RUN_U32_MMIO_LEN, 4, abi.RUN_MMIO_LEN],
    [abi.RUN_U8_MMIO_IS_WRITE, 1, abi.RUN_MMIO_IS_WRITE],
  ];
  for (const [index, width, offset] of indexes) assert.equal(index * width, offset);
});
