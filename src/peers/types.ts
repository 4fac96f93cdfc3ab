/**
 * The seam every peer VMM implements: how to find it, the command lines that run the peer guest
 * (guests/peer-pio-out.S) under it, and how to read its exit. One module per peer (qemu.ts,
 * kvmtool.ts); measuring, the two-length arithmetic and the results rows are shared.
 */

export const PEER_NAMES = ['qemu', 'kvmtool'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** How the peer runs guest code: on KVM, or emulated in software (QEMU's TCG). */
export type Accelerator = 'kvm' | 'tcg';

/** What a peer's command lines may depend on. */
export interface PeerContext {
  /** The guest image to boot (a copy with its exit count patched in). */
  image: string;
  accelerator: Accelerator;
  /** The KVM device (kvmtool takes it as --dev; QEMU always opens /dev/kvm). */
  kvmPath: string;
}

/** How one run of a peer process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The tail of its stdout and stderr, for diagnosis. */
  output: string;
  timedOut: boolean;
}

export interface PeerVmm {
  name: PeerName;
  /** Executables looked for on PATH, in order. */
  executables: readonly string[];
  /** Arguments that make the executable print its version on stdout. */
  versionArgs: readonly string[];
  /** The first line of the version output worth keeping ("QEMU emulator version 7.2.22 ..."). */
  parseVersion(output: string): string;
  /** Which accelerator this peer uses here, or why it cannot run at all. */
  accelerator(kvmUsable: boolean): Accelerator | { unavailable: string };
  /**
   * Command lines to try, in order, for one run of the guest; the first that exits the way the
   * guest asks is used for every run after it (QEMU 7.2 needs -arch-capabilities on some hosts).
   */
  candidates(executable: string, context: PeerContext): string[][];
  /** True when the process ended because the guest asked it to. */
  exitedAsAsked(exit: ProcessExit): boolean;
  /** Why a failed start failed, in words a user can act on, when the output says. */
  diagnose(exit: ProcessExit, host: HostVirtualization): string | undefined;
  /** One line on the machine the peer emulates, for the results. */
  describe(accelerator: Accelerator, args: readonly string[]): string;
}

/** The host CPU's virtualisation flags as /proc/cpuinfo reports them (kvmtool checks CPUID). */
export interface HostVirtualization {
  vmx: boolean;
  svm: boolean;
}
