/** Typed vCPU exits decoded from the shared kvm_run page. Data members are views into that page, not copies. */
import {
  exitReasonName,
  INTERNAL_ERROR_NAMES,
  KVM_EXIT_FAIL_ENTRY,
  KVM_EXIT_HLT,
  KVM_EXIT_INTERNAL_ERROR,
  KVM_EXIT_IO,
  KVM_EXIT_IO_OUT,
  KVM_EXIT_MMIO,
  KVM_EXIT_SHUTDOWN,
  KVM_EXIT_SYSTEM_EVENT,
  KVM_INTERNAL_ERROR_EMULATION,
  KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES,
  RUN_EXIT_REASON,
  RUN_FAIL_ENTRY_CPU,
  RUN_FAIL_ENTRY_REASON,
  RUN_HW_EXIT_REASON,
  RUN_INTERNAL_DATA,
  RUN_INTERNAL_NDATA,
  RUN_INTERNAL_SUBERROR,
  RUN_IO_COUNT,
  RUN_IO_DATA_OFFSET,
  RUN_IO_DIRECTION,
  RUN_IO_PORT,
  RUN_IO_SIZE,
  RUN_MMIO_DATA,
  RUN_MMIO_IS_WRITE,
  RUN_MMIO_LEN,
  RUN_MMIO_PHYS_ADDR,
} from '../abi/kvm.js';

export type VcpuExit =
  /** `out`: data holds size*count bytes the guest wrote. */
  | { kind: 'io-out'; port: number; size: number; count: number; data: Uint8Array }
  /** `in`: fill data (size*count bytes) before the next run; the guest reads it. */
  | { kind: 'io-in'; port: number; size: number; count: number; data: Uint8Array }
  | { kind: 'mmio-write'; address: bigint; length: number; data: Uint8Array }
  /** Fill data (length bytes) before the next run; the guest reads it. */
  | { kind: 'mmio-read'; address: bigint; length: number; data: Uint8Array }
  | { kind: 'hlt' }
  /** Triple fault or another reason the guest's CPU reset. */
  | { kind: 'shutdown' }
  | { kind: 'fail-entry'; hardwareEntryFailureReason: bigint; cpu: number }
  | { kind: 'internal-error'; suberror: number; data: bigint[] }
  | { kind: 'system-event'; type: number }
  /** KVM_RUN returned EINTR (a signal, or immediate_exit was set). */
  | { kind: 'interrupted' }
  | { kind: 'unknown'; reason: number; hardwareExitReason: bigint };

export type VcpuExitKind = VcpuExit['kind'];

export function decodeExit(page: ArrayBuffer): VcpuExit {
  const data = new DataView(page);
  const reason = data.getUint32(RUN_EXIT_REASON, true);
  switch (reason) {
    case KVM_EXIT_IO: {
      const size = data.getUint8(RUN_IO_SIZE);
      const count = data.getUint32(RUN_IO_COUNT, true);
      const offset = Number(data.getBigUint64(RUN_IO_DATA_OFFSET, true));
      return {
        kind: data.getUint8(RUN_IO_DIRECTION) === KVM_EXIT_IO_OUT ? 'io-out' : 'io-in',
        port: data.getUint16(RUN_IO_PORT, true),
        size,
        count,
        data: new Uint8Array(page, offset, size * count),
      };
    }
    case KVM_EXIT_MMIO: {
      const length = data.getUint32(RUN_MMIO_LEN, true);
      return {
        kind: data.getUint8(RUN_MMIO_IS_WRITE) ? 'mmio-write' : 'mmio-read',
        address: data.getBigUint64(RUN_MMIO_PHYS_ADDR, true),
        length,
        data: new Uint8Array(page, RUN_MMIO_DATA, Math.min(length, 8)),
      };
    }
    case KVM_EXIT_HLT:
      return { kind: 'hlt' };
    case KVM_EXIT_SHUTDOWN:
      return { kind: 'shutdown' };
    case KVM_EXIT_FAIL_ENTRY:
      return {
        kind: 'fail-entry',
        hardwareEntryFailureReason: data.getBigUint64(RUN_FAIL_ENTRY_REASON, true),
        cpu: data.getUint32(RUN_FAIL_ENTRY_CPU, true),
      };
    case KVM_EXIT_INTERNAL_ERROR: {
      const ndata = Math.min(data.getUint32(RUN_INTERNAL_NDATA, true), 16);
      return {
        kind: 'internal-error',
        suberror: data.getUint32(RUN_INTERNAL_SUBERROR, true),
        data: Array.from({ length: ndata }, (_, i) => data.getBigUint64(RUN_INTERNAL_DATA + i * 8, true)),
      };
    }
    case KVM_EXIT_SYSTEM_EVENT:
      return { kind: 'system-event', type: data.getUint32(32, true) };
    default:
      return { kind: 'unknown', reason, hardwareExitReason: data.getBigUint64(RUN_HW_EXIT_REASON, true) };
  }
}

const hex = (value: number | bigint) => `0x${value.toString(16)}`;
const bytes = (data: Uint8Array) => [...data].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/**
 * The bytes KVM failed to emulate, when it says it sent them: data[0] holds the flags, then one
 * byte of length and up to 15 instruction bytes follow in data[1] and data[2].
 */
function emulatedInstruction(exit: Extract<VcpuExit, { kind: 'internal-error' }>): Uint8Array | undefined {
  const [flags, low, high] = exit.data;
  if (exit.suberror !== KVM_INTERNAL_ERROR_EMULATION || flags === undefined || low === undefined) return undefined;
  if (!(flags & BigInt(KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))) return undefined;
  const packed = new DataView(new ArrayBuffer(16));
  packed.setBigUint64(0, low, true);
  packed.setBigUint64(8, high ?? 0n, true);
  const length = Math.min(packed.getUint8(0), 15);
  return new Uint8Array(packed.buffer, 1, length);
}

/** One line naming the exit and its data, for errors and `kvmbench hello`. */
export function describeExit(exit: VcpuExit): string {
  switch (exit.kind) {
    case 'io-out':
    case 'io-in':
      return `${exit.kind} port ${hex(exit.port)} size ${exit.size} count ${exit.count} data [${bytes(exit.data)}]`;
    case 'mmio-write':
    case 'mmio-read':
      return `${exit.kind} address ${hex(exit.address)} length ${exit.length} data [${bytes(exit.data)}]`;
    case 'fail-entry':
      return `fail-entry hardware_entry_failure_reason ${hex(exit.hardwareEntryFailureReason)} cpu ${exit.cpu}`;
    case 'internal-error': {
      const name = INTERNAL_ERROR_NAMES[exit.suberror];
      const instruction = emulatedInstruction(exit);
      return `internal-error suberror ${exit.suberror}${name ? ` (${name})` : ''}${instruction ? ` instruction [${bytes(instruction)}]` : ''} data [${exit.data.map(hex).join(' ')}]`;
    }
    case 'system-event':
      return `system-event type ${exit.type}`;
    case 'unknown':
      return `${exitReasonName(exit.reason)} (hardware exit reason ${hex(exit.hardwareExitReason)})`;
    default:
      return exit.kind;
  }
}
