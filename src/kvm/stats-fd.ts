/**
 * KVM's binary statistics (KVM_GET_STATS_FD, Linux 5.14+): per-vCPU counters such as exits,
 * io_exits, mmio_exits and halt_exits, read without debugfs. kvmbench reads them before and after a
 * measured loop to check the harness's own exit count against KVM's.
 */
import { readSync } from 'node:fs';
import { KVM_GET_STATS_FD } from '../abi/kvm.js';
import { loadAddon } from '../bindings/addon.js';
import { getSystemErrorName } from '../util/errno.js';
import { currentRuntime } from '../util/runtime.js';
import type { Vcpu } from './vcpu.js';

// struct kvm_stats_header: flags, name_size, num_desc, id_offset, desc_offset, data_offset (u32 each).
const HEADER_SIZE = 24;
// struct kvm_stats_desc: flags u32, exponent s16, size u16, offset u32, bucket_size u32, name[name_size].
const DESC_FIXED_SIZE = 16;

export interface StatsReader {
  /** Current values of the named u64 counters (only those that exist). */
  read(): Map<string, bigint>;
  close(): void;
}

/**
 * node:fs reads any descriptor in Node and Bun; Deno's takes only those it opened itself, so there
 * the addon's pread reads the stats fd KVM handed out.
 */
function readAt(fd: number, buffer: Buffer, position: number): number {
  if (currentRuntime().kind !== 'deno') return readSync(fd, buffer, 0, buffer.length, position);
  const read = loadAddon().pread(fd, buffer, position);
  if (read < 0) throw new Error(`KVM stats fd: read failed: ${getSystemErrorName(-read)}`);
  return read;
}

function pread(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readAt(fd, buffer, position);
  if (read !== length) throw new Error(`KVM stats fd: short read (${read} of ${length} bytes at ${position})`);
  return buffer;
}

/** Opens the vCPU's stats fd, or returns undefined when the kernel has no binary stats. */
export function openVcpuStats(vcpu: Vcpu, names: readonly string[]): StatsReader | undefined {
  const fd = vcpu.binding.ioctl(vcpu.fd, KVM_GET_STATS_FD, 0);
  if (fd < 0) return undefined;
  try {
    const header = pread(fd, HEADER_SIZE, 0);
    const nameSize = header.readUInt32LE(4);
    const count = header.readUInt32LE(8);
    const descOffset = header.readUInt32LE(16);
    const dataOffset = header.readUInt32LE(20);
    const descSize = DESC_FIXED_SIZE + nameSize;
    const descriptors = pread(fd, descSize * count, descOffset);
    const wanted = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const base = i * descSize;
      const size = descriptors.readUInt16LE(base + 6);
      const offset = descriptors.readUInt32LE(base + 8);
      const end = descriptors.indexOf(0, base + DESC_FIXED_SIZE);
      const name = descriptors.toString('latin1', base + DESC_FIXED_SIZE, end < 0 ? base + descSize : end);
      if (size === 1 && names.includes(name)) wanted.set(name, dataOffset + offset);
    }
    return {
      read() {
        const values = new Map<string, bigint>();
        for (const [name, position] of wanted) values.set(name, pread(fd, 8, position).readBigUInt64LE(0));
        return values;
      },
      close: () => vcpu.binding.close(fd),
    };
  } catch (error) {
    vcpu.binding.close(fd);
    throw error;
  }
}
