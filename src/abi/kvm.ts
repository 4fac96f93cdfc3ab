/**
 * The x86-64 KVM ABI as kvmbench uses it: ioctl request numbers, struct sizes and field offsets,
 * exit reasons and capability numbers. Every number here is checked against the host's
 * <linux/kvm.h> by test/abi.test.ts (a C probe prints them), so they cannot drift silently.
 */

// --- ioctl request encoding (asm-generic/ioctl.h) -------------------------------------------------
const IOC_NONE = 0;
const IOC_WRITE = 1;
const IOC_READ = 2;
const KVMIO = 0xae;

function ioc(direction: number, nr: number, size: number): number {
  // Computed in floating point: direction << 30 would overflow into the sign bit of an int32.
  return direction * 2 ** 30 + size * 2 ** 16 + KVMIO * 2 ** 8 + nr;
}
const io = (nr: number) => ioc(IOC_NONE, nr, 0);
const ior = (nr: number, size: number) => ioc(IOC_READ, nr, size);
const iow = (nr: number, size: number) => ioc(IOC_WRITE, nr, size);

// --- struct sizes -----------------------------------------------------------------------------
export const SIZEOF_KVM_REGS = 144;
export const SIZEOF_KVM_SEGMENT = 24;
export const SIZEOF_KVM_DTABLE = 16;
export const SIZEOF_KVM_SREGS = 312;
export const SIZEOF_KVM_USERSPACE_MEMORY_REGION = 32;
/** The fixed part of struct kvm_run up to the end of its exit union (the mapping is larger). */
export const SIZEOF_KVM_RUN = 2352;

// --- ioctls, grouped by the file descriptor they are issued on ----------------------------------
export const KVM_GET_API_VERSION = io(0x00);
export const KVM_CREATE_VM = io(0x01);
export const KVM_CHECK_EXTENSION = io(0x03);
export const KVM_GET_VCPU_MMAP_SIZE = io(0x04);

export const KVM_CREATE_VCPU = io(0x41);
export const KVM_SET_USER_MEMORY_REGION = iow(0x46, SIZEOF_KVM_USERSPACE_MEMORY_REGION);
export const KVM_SET_TSS_ADDR = io(0x47);
export const KVM_GET_STATS_FD = io(0xce);
/** struct kvm_dirty_log: slot u32, padding u32, dirty_bitmap pointer u64. */
export const SIZEOF_KVM_DIRTY_LOG = 16;
export const KVM_GET_DIRTY_LOG = iow(0x42, SIZEOF_KVM_DIRTY_LOG);
/** kvm_userspace_memory_region.flags: track the pages the guest writes (KVM_GET_DIRTY_LOG). */
export const KVM_MEM_LOG_DIRTY_PAGES = 1;

/**
 * struct kvm_ioeventfd: datamatch u64, addr u64, len u32, fd s32, flags u32, 36 bytes of padding. A
 * guest write to addr (a port with FLAG_PIO) signals the eventfd inside the kernel: no exit to userspace.
 */
export const SIZEOF_KVM_IOEVENTFD = 64;
export const KVM_IOEVENTFD = iow(0x79, SIZEOF_KVM_IOEVENTFD);
export const IOEVENTFD_DATAMATCH = 0;
export const IOEVENTFD_ADDR = 8;
export const IOEVENTFD_LEN = 16;
export const IOEVENTFD_FD = 20;
export const IOEVENTFD_FLAGS = 24;
export const KVM_IOEVENTFD_FLAG_DATAMATCH = 1 << 0;
export const KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
export const KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

/**
 * struct kvm_coalesced_mmio_zone: addr u64, size u32, pio u32. Guest writes in a zone are queued in
 * a ring on a page of the vCPU mapping instead of exiting; userspace drains it at its next exit.
 */
export const SIZEOF_KVM_COALESCED_MMIO_ZONE = 16;
export const KVM_REGISTER_COALESCED_MMIO = iow(0x67, SIZEOF_KVM_COALESCED_MMIO_ZONE);
export const KVM_UNREGISTER_COALESCED_MMIO = iow(0x68, SIZEOF_KVM_COALESCED_MMIO_ZONE);
/** struct kvm_coalesced_mmio_ring: first u32, last u32, then entries. */
export const SIZEOF_KVM_COALESCED_MMIO_RING = 8;
/** struct kvm_coalesced_mmio: phys_addr u64, len u32, pio u32, data[8]. */
export const SIZEOF_KVM_COALESCED_MMIO = 24;
export const COALESCED_PHYS_ADDR = 0;
export const COALESCED_LEN = 8;
export const COALESCED_PIO = 12;
export const COALESCED_DATA = 16;

/** KVM_CREATE_IRQCHIP: an in-kernel 8259 PIC pair, IOAPIC and a local APIC per vCPU (before any vCPU). */
export const KVM_CREATE_IRQCHIP = io(0x60);
/** struct kvm_irq_level: irq u32 (the GSI), level u32. */
export const SIZEOF_KVM_IRQ_LEVEL = 8;
export const KVM_IRQ_LINE = iow(0x61, SIZEOF_KVM_IRQ_LEVEL);
/**
 * struct kvm_irqfd: fd u32, gsi u32, flags u32, resamplefd u32, 16 bytes of padding. A write to the
 * eventfd raises the GSI in the in-kernel irqchip (an edge: asserted, then deasserted) without a
 * system call on the vCPU's thread.
 */
export const SIZEOF_KVM_IRQFD = 32;
export const KVM_IRQFD = iow(0x76, SIZEOF_KVM_IRQFD);
export const IRQFD_FD = 0;
export const IRQFD_GSI = 4;
export const IRQFD_FLAGS = 8;
export const IRQFD_RESAMPLEFD = 12;
export const KVM_IRQFD_FLAG_DEASSIGN = 1 << 0;
export const KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;

/**
 * struct kvm_device_attr: flags u32, group u32, attr u64, addr u64 (where the attribute's value is
 * read or written). On a vCPU fd (KVM_CAP_VCPU_ATTRIBUTES): group KVM_VCPU_TSC_CTRL, attribute
 * KVM_VCPU_TSC_OFFSET is the u64 the guest's TSC is offset by from the host's.
 */
export const SIZEOF_KVM_DEVICE_ATTR = 24;
export const KVM_GET_DEVICE_ATTR = iow(0xe2, SIZEOF_KVM_DEVICE_ATTR);
export const KVM_HAS_DEVICE_ATTR = iow(0xe3, SIZEOF_KVM_DEVICE_ATTR);
export const DEVICE_ATTR_FLAGS = 0;
export const DEVICE_ATTR_GROUP = 4;
export const DEVICE_ATTR_ATTR = 8;
export const DEVICE_ATTR_ADDR = 16;
export const KVM_VCPU_TSC_CTRL = 0;
export const KVM_VCPU_TSC_OFFSET = 0;
/** KVM_GET_TSC_KHZ on a vCPU: its TSC's rate (the host's unless KVM_SET_TSC_KHZ changed it). */
export const KVM_GET_TSC_KHZ = io(0xa3);

export const KVM_RUN = io(0x80);
export const KVM_GET_REGS = ior(0x81, SIZEOF_KVM_REGS);
export const KVM_SET_REGS = iow(0x82, SIZEOF_KVM_REGS);
export const KVM_GET_SREGS = ior(0x83, SIZEOF_KVM_SREGS);
export const KVM_SET_SREGS = iow(0x84, SIZEOF_KVM_SREGS);

/** The API version every KVM since Linux 2.6.22 reports. */
export const KVM_API_VERSION = 12;

// --- capabilities (KVM_CHECK_EXTENSION) --------------------------------------------------------
export const KVM_CAP_USER_MEMORY = 3;
export const KVM_CAP_SET_TSS_ADDR = 4;
export const KVM_CAP_NR_VCPUS = 9;
export const KVM_CAP_NR_MEMSLOTS = 10;
export const KVM_CAP_MAX_VCPUS = 66;
export const KVM_CAP_IMMEDIATE_EXIT = 136;
export const KVM_CAP_BINARY_STATS_FD = 203;
/** Its value is the page offset of the coalesced ring in the vCPU mapping (0: absent). */
export const KVM_CAP_COALESCED_MMIO = 15;
export const KVM_CAP_IOEVENTFD = 36;
export const KVM_CAP_IOEVENTFD_NO_LENGTH = 100;
export const KVM_CAP_IOEVENTFD_ANY_LENGTH = 122;
export const KVM_CAP_COALESCED_PIO = 162;
export const KVM_CAP_IRQCHIP = 0;
export const KVM_CAP_IRQFD = 32;
export const KVM_CAP_VCPU_ATTRIBUTES = 127;
export const KVM_CAP_GET_TSC_KHZ = 61;

/** Capabilities kvmbench relies on or reports, by the name the kernel headers use. */
export const CAPABILITIES = {
  KVM_CAP_USER_MEMORY,
  KVM_CAP_SET_TSS_ADDR,
  KVM_CAP_NR_VCPUS,
  KVM_CAP_NR_MEMSLOTS,
  KVM_CAP_MAX_VCPUS,
  KVM_CAP_IMMEDIATE_EXIT,
  KVM_CAP_BINARY_STATS_FD,
  KVM_CAP_COALESCED_MMIO,
  KVM_CAP_IOEVENTFD,
  KVM_CAP_IOEVENTFD_NO_LENGTH,
  KVM_CAP_IOEVENTFD_ANY_LENGTH,
  KVM_CAP_COALESCED_PIO,
  KVM_CAP_IRQCHIP,
  KVM_CAP_IRQFD,
} as const;

// --- exit reasons (kvm_run.exit_reason) --------------------------------------------------------
export const KVM_EXIT_UNKNOWN = 0;
export const KVM_EXIT_EXCEPTION = 1;
export const KVM_EXIT_IO = 2;
export const KVM_EXIT_HYPERCALL = 3;
export const KVM_EXIT_DEBUG = 4;
export const KVM_EXIT_HLT = 5;
export const KVM_EXIT_MMIO = 6;
export const KVM_EXIT_IRQ_WINDOW_OPEN = 7;
export const KVM_EXIT_SHUTDOWN = 8;
export const KVM_EXIT_FAIL_ENTRY = 9;
export const KVM_EXIT_INTR = 10;
export const KVM_EXIT_INTERNAL_ERROR = 17;
export const KVM_EXIT_SYSTEM_EVENT = 24;

export const KVM_EXIT_IO_IN = 0;
export const KVM_EXIT_IO_OUT = 1;

// kvm_run.internal.suberror, and the flag saying an emulation failure carries the instruction bytes.
export const KVM_INTERNAL_ERROR_EMULATION = 1;
export const KVM_INTERNAL_ERROR_SIMUL_EX = 2;
export const KVM_INTERNAL_ERROR_DELIVERY_EV = 3;
export const KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;
export const KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES = 1;

export const INTERNAL_ERROR_NAMES: Readonly<Record<number, string>> = {
  [KVM_INTERNAL_ERROR_EMULATION]: 'emulation failure',
  [KVM_INTERNAL_ERROR_SIMUL_EX]: 'exception while delivering an exception',
  [KVM_INTERNAL_ERROR_DELIVERY_EV]: 'event delivery failed',
  [KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON]: 'unexpected hardware exit reason',
};

export const EXIT_REASON_NAMES: Readonly<Record<number, string>> = {
  [KVM_EXIT_UNKNOWN]: 'KVM_EXIT_UNKNOWN',
  [KVM_EXIT_EXCEPTION]: 'KVM_EXIT_EXCEPTION',
  [KVM_EXIT_IO]: 'KVM_EXIT_IO',
  [KVM_EXIT_HYPERCALL]: 'KVM_EXIT_HYPERCALL',
  [KVM_EXIT_DEBUG]: 'KVM_EXIT_DEBUG',
  [KVM_EXIT_HLT]: 'KVM_EXIT_HLT',
  [KVM_EXIT_MMIO]: 'KVM_EXIT_MMIO',
  [KVM_EXIT_IRQ_WINDOW_OPEN]: 'KVM_EXIT_IRQ_WINDOW_OPEN',
  [KVM_EXIT_SHUTDOWN]: 'KVM_EXIT_SHUTDOWN',
  [KVM_EXIT_FAIL_ENTRY]: 'KVM_EXIT_FAIL_ENTRY',
  [KVM_EXIT_INTR]: 'KVM_EXIT_INTR',
  [KVM_EXIT_INTERNAL_ERROR]: 'KVM_EXIT_INTERNAL_ERROR',
  [KVM_EXIT_SYSTEM_EVENT]: 'KVM_EXIT_SYSTEM_EVENT',
};

export function exitReasonName(reason: number): string {
  return EXIT_REASON_NAMES[reason] ?? `exit reason ${reason}`;
}

// --- struct kvm_run field offsets ----------------------------------------------------------------
export const RUN_IMMEDIATE_EXIT = 1; // __u8
export const RUN_EXIT_REASON = 8; // __u32
export const RUN_EXIT_UNION = 32;
export const RUN_IO_DIRECTION = 32; // __u8
export const RUN_IO_SIZE = 33; // __u8
export const RUN_IO_PORT = 34; // __u16
export const RUN_IO_COUNT = 36; // __u32
export const RUN_IO_DATA_OFFSET = 40; // __u64
export const RUN_MMIO_PHYS_ADDR = 32; // __u64
export const RUN_MMIO_DATA = 40; // __u8[8]
export const RUN_MMIO_LEN = 48; // __u32
export const RUN_MMIO_IS_WRITE = 52; // __u8
export const RUN_FAIL_ENTRY_REASON = 32; // __u64 hardware_entry_failure_reason
export const RUN_FAIL_ENTRY_CPU = 40; // __u32
export const RUN_INTERNAL_SUBERROR = 32; // __u32
export const RUN_INTERNAL_NDATA = 36; // __u32
export const RUN_INTERNAL_DATA = 40; // __u64[16]
export const RUN_HW_EXIT_REASON = 32; // __u64 (KVM_EXIT_UNKNOWN)

/** offset / width as an index into a typed array over kvm_run; throws at load if the field is misaligned. */
function runIndex(offset: number, width: 1 | 2 | 4): number {
  if (offset % width !== 0) throw new Error(`kvm_run offset ${offset} is not ${width}-byte aligned`);
  return offset / width;
}

// Indexes into Uint8Array / Uint16Array / Uint32Array views of kvm_run, for loops that check exits
// without a DataView. Derived from the byte offsets above, so the layout lives in one place.
export const RUN_U32_EXIT_REASON = runIndex(RUN_EXIT_REASON, 4);
export const RUN_U8_IO_DIRECTION = RUN_IO_DIRECTION;
export const RUN_U8_IO_SIZE = RUN_IO_SIZE;
export const RUN_U16_IO_PORT = runIndex(RUN_IO_PORT, 2);
export const RUN_U32_IO_COUNT = runIndex(RUN_IO_COUNT, 4);
/** The low word of the __u64 data_offset: the data lies inside the mapping, far below 4 GiB. */
export const RUN_U32_IO_DATA_OFFSET = runIndex(RUN_IO_DATA_OFFSET, 4);
export const RUN_U32_MMIO_PHYS_ADDR_LOW = runIndex(RUN_MMIO_PHYS_ADDR, 4);
export const RUN_U32_MMIO_PHYS_ADDR_HIGH = runIndex(RUN_MMIO_PHYS_ADDR + 4, 4);
export const RUN_U8_MMIO_DATA = RUN_MMIO_DATA;
export const RUN_U32_MMIO_LEN = runIndex(RUN_MMIO_LEN, 4);
export const RUN_U8_MMIO_IS_WRITE = RUN_MMIO_IS_WRITE;

// --- struct kvm_regs: 18 x __u64 in this order ------------------------------------------------
export const REGISTER_NAMES = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rsp',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'rflags',
] as const;

// --- struct kvm_segment / kvm_dtable / kvm_sregs -----------------------------------------------
export const SEGMENT_BASE = 0; // __u64
export const SEGMENT_LIMIT = 8; // __u32
export const SEGMENT_SELECTOR = 12; // __u16
export const SEGMENT_TYPE = 14; // __u8, then present, dpl, db, s, l, g, avl, unusable (one byte each)
export const SEGMENT_FLAG_FIELDS = ['present', 'dpl', 'db', 's', 'l', 'g', 'avl', 'unusable'] as const;
export const DTABLE_BASE = 0; // __u64
export const DTABLE_LIMIT = 8; // __u16

export const SREGS_SEGMENT_NAMES = ['cs', 'ds', 'es', 'fs', 'gs', 'ss', 'tr', 'ldt'] as const;
export const SREGS_GDT = 192;
export const SREGS_IDT = 208;
export const SREGS_CR0 = 224;
export const SREGS_CR2 = 232;
export const SREGS_CR3 = 240;
export const SREGS_CR4 = 248;
export const SREGS_CR8 = 256;
export const SREGS_EFER = 264;
export const SREGS_APIC_BASE = 272;

// --- struct kvm_userspace_memory_region --------------------------------------------------------
export const REGION_SLOT = 0; // __u32
export const REGION_FLAGS = 4; // __u32
export const REGION_GUEST_PHYS_ADDR = 8; // __u64
export const REGION_MEMORY_SIZE = 16; // __u64
export const REGION_USERSPACE_ADDR = 24; // __u64

// --- x86 control bits used to enter protected and long mode ------------------------------------
export const CR0_PE = 1n << 0n;
export const CR0_ET = 1n << 4n;
export const CR0_NE = 1n << 5n;
export const CR0_PG = 1n << 31n;
export const CR4_PAE = 1n << 5n;
export const EFER_LME = 1n << 8n;
export const EFER_LMA = 1n << 10n;

// --- errno values the harness tells apart ------------------------------------------------------
export const EINTR = 4;
export const EAGAIN = 11;
export const ETIMEDOUT = 110;
