/**
 * QEMU as a peer: the microvm machine with nothing but the guest as its firmware (-bios: QEMU maps
 * it below 4 GiB and the CPU starts at its reset vector in real mode) and an isa-debug-exit device
 * the guest writes to when its loop is done. With KVM it uses `-cpu host`; QEMU 7.2 aborts on hosts
 * that refuse its IA32_ARCH_CAPABILITIES value ("failed to set MSR 0x10a"), so the second candidate
 * drops that feature. Without KVM it runs the same guest under TCG, and the rows say "emulated".
 */
import type { Accelerator, PeerContext, PeerVmm, ProcessExit } from './types.js';

/** The guest's isa-debug-exit port (guests/peer-pio-out.S); writing 0 exits QEMU with status 1. */
export const DEBUG_EXIT_PORT = 0xf4;
const DEBUG_EXIT_STATUS = 1;

const MACHINE = 'microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=off';
export const CPU_CANDIDATES = ['host', 'host,-arch-capabilities'] as const;

function commandLine(context: PeerContext, cpu: string | undefined): string[] {
  return [
    '-machine',
    MACHINE,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-m',
    '16M',
    '-accel',
    context.accelerator,
    ...(cpu === undefined ? [] : ['-cpu', cpu]),
    '-bios',
    context.image,
    '-device',
    `isa-debug-exit,iobase=0x${DEBUG_EXIT_PORT.toString(16)},iosize=4`,
  ];
}

export const qemu: PeerVmm = {
  name: 'qemu',
  executables: ['qemu-system-x86_64'],
  versionArgs: ['--version'],
  parseVersion: (output) => output.split('\n')[0]?.trim() ?? '',
  accelerator: (kvmUsable) => (kvmUsable ? 'kvm' : 'tcg'),
  candidates(executable, context) {
    // TCG has no `-cpu host`; its default CPU runs a real-mode guest the same way.
    const cpus = context.accelerator === 'kvm' ? CPU_CANDIDATES : [undefined];
    return cpus.map((cpu) => [executable, ...commandLine(context, cpu)]);
  },
  exitedAsAsked: (exit: ProcessExit) => !exit.timedOut && exit.code === DEBUG_EXIT_STATUS,
  diagnose(exit) {
    if (/failed to set MSR 0x10a/.test(exit.output)) {
      return 'QEMU could not set IA32_ARCH_CAPABILITIES (MSR 0x10a) with -cpu host, even without arch-capabilities';
    }
    if (/isa-debug-exit|microvm/.test(exit.output) && /not found|unknown|invalid/i.test(exit.output)) {
      return 'this QEMU lacks the microvm machine or the isa-debug-exit device (QEMU 5.1 or later has both)';
    }
    return undefined;
  },
  describe(accelerator: Accelerator, args) {
    const cpu = args[args.indexOf('-cpu') + 1];
    return accelerator === 'kvm'
      ? `QEMU microvm on KVM (-cpu ${args.includes('-cpu') ? cpu : 'default'})`
      : 'QEMU microvm under TCG: emulated in software, not comparable with KVM rows';
  },
};
