/**
 * The seam kvmbench measures: every binding implements this same narrow interface, and everything
 * above it (Kvm / Vm / Vcpu, the workloads) is shared. Calls return their result or -errno rather
 * than throwing, so failure handling lives in one place (check() in src/kvm/check.ts turns -errno into
 * a SyscallError from src/errors.ts) for every binding.
 */

export const BINDING_NAMES = ['c-loop', 'napi', 'koffi', 'koffi-variadic', 'node-ffi', 'bun-ffi', 'deno-ffi'] as const;
export type BindingName = (typeof BINDING_NAMES)[number];

/**
 * A mapping made by the binding: its address (for KVM structs) and a zero-copy view of its bytes.
 * The view is made on first access to `buffer` (a view over foreign memory costs microseconds to make
 * and to detach), so a caller that needs only the address, or copies in through `write`, never pays
 * for it. After `unmap`, `buffer` is empty.
 */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
  readonly buffer: ArrayBuffer;
}

/** Result of a syscall-like call: a non-negative result, or -errno. */
export type SysResult = number;

export interface Binding {
  readonly name: BindingName;
  /** One line for `kvmbench list` and the report. */
  readonly description: string;
  /** Version of what the binding runs on (koffi's version, the addon's ABI). */
  readonly version: string;

  open(path: string): SysResult;
  close(fd: number): SysResult;
  /** ioctl with an integer argument (or none: pass 0). */
  ioctl(fd: number, request: number, arg: number): SysResult;
  /** ioctl with a pointer to a struct the kernel reads or fills. */
  ioctlBuffer(fd: number, request: number, buffer: Uint8Array): SysResult;
  /** Shared read/write mapping of fd at offset 0 (the vCPU's kvm_run page). */
  mapFile(fd: number, length: number): Mapping | SysResult;
  /** Anonymous shared memory (guest RAM). */
  mapAnonymous(length: number): Mapping | SysResult;
  /**
   * Copies bytes to address + offset with one native copy and no ArrayBuffer over the memory. The
   * range must lie inside a live mapping of this binding: the caller checks it (GuestMemory.write).
   */
  write(address: bigint, offset: number, bytes: Uint8Array): void;
  /** Detaches the mapping's ArrayBuffer (if one was made) where the runtime allows it, then unmaps it. */
  unmap(mapping: Mapping): SysResult;
  /** KVM_RUN bound to one vCPU: the cheapest call this binding can make. Returns 0 or -errno. */
  runner(vcpuFd: number): () => SysResult;
  /** Present only on the c-loop binding: whole loops driven and checked in C. */
  readonly native?: NativeLoops;
}

/**
 * The C loop's number for each loop name of the workload catalogue (src/bench/workloads.ts).
 * Keep in step with enum loop_kind in src/native/c_loop.c.
 */
export const NATIVE_LOOP_KINDS = {
  'pio-out': 0,
  'pio-in': 1,
  'mmio-write': 2,
  'mmio-read': 3,
  hlt: 4,
  'immediate-exit': 5,
  'null-ioctl': 6,
  'pio-out-coalesced': 7,
  'pio-out-irqfd': 8,
} as const;
export type NativeLoopKind = (typeof NATIVE_LOOP_KINDS)[keyof typeof NATIVE_LOOP_KINDS];

export interface LoopResult {
  elapsedNs: number;
  completed: number;
  /** The guest's counter after the loop, so the next batch continues the sequence. */
  sequence: number;
  /** KVM_RUN calls that returned EINTR (a signal) and were re-entered. */
  eintr: number;
  /** pio-out-coalesced: the guest's write counter after the loop (the ring's next expected byte). */
  writeSequence: number;
  error?: string;
}

export interface LifecycleResult {
  completed: number;
  /** KVM_CREATE_VM and KVM_RUN calls that returned EINTR and were made again. */
  eintr: number;
  error?: string;
}

export interface NativeLoops {
  cLoop(
    kind: NativeLoopKind,
    fd: number,
    runAddress: bigint,
    iterations: number,
    target: number,
    sequence: number,
    /**
     * pio-out-coalesced only: the ring's page in the vCPU mapping and the writes it must hold per exit.
     * pio-out-irqfd: the eventfd the loop writes before each KVM_RUN, in place of ringPageOffset.
     */
    ringPageOffset?: number,
    writeAddress?: number,
    writePio?: number,
    writesPerExit?: number,
    writeSequence?: number,
  ): LoopResult;
  cLifecycle(
    kvmFd: number,
    vcpuMmapSize: number,
    image: Uint8Array,
    memBase: number,
    memSize: number,
    loadAddress: number,
    /** The encoded struct kvm_regs to set (SIZEOF_KVM_REGS bytes). */
    regs: Uint8Array,
    serial: Uint8Array,
    serialPort: number,
    stepNs: Float64Array,
  ): LifecycleResult;
  readonly lifecycleSteps: number;
}
