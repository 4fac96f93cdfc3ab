/**
 * kvmtool (lkvm) as a peer: `lkvm run -k <flat binary>` loads a non-bzImage at 1000:0000 and starts
 * it there in real mode; --nodefaults keeps it from building its default 9p root filesystem and
 * `--network mode=none` from starting its user-mode network. The
 * guest stops it with the i8042 reset command (port 0x64, 0xfe), after which lkvm exits 0.
 * kvmtool refuses to start when the CPU's CPUID shows neither VMX nor SVM (kvm__arch_cpu_supports_vm),
 * which is the case under PVM: that failure is recognised and explained. It has no emulator.
 */
import type { PeerVmm } from './types.js';

export const kvmtool: PeerVmm = {
  name: 'kvmtool',
  executables: ['lkvm'],
  versionArgs: ['version'],
  parseVersion: (output) => output.trim().split('\n')[0]?.trim() ?? '',
  accelerator: (kvmUsable) =>
    kvmUsable ? 'kvm' : { unavailable: 'kvmtool needs KVM and this host has no usable KVM device' },
  candidates: (executable, context) => [
    [
      executable,
      'run',
      '--nodefaults',
      '--network',
      'mode=none',
      '--dev',
      context.kvmPath,
      '-c',
      '1',
      '-m',
      '64',
      '-k',
      context.image,
    ],
  ],
  exitedAsAsked: (exit) => !exit.timedOut && exit.code === 0 && exit.signal === null,
  diagnose(exit, host) {
    if (/does not support hardware virtuali[sz]ation/i.test(exit.output)) {
      const cpuid = host.vmx || host.svm ? '' : ': this CPU shows neither VMX nor SVM in CPUID (as under PVM)';
      return `kvmtool refuses to start${cpuid}; docs/peers.md shows the one-line change that lets it run`;
    }
    if (/not a bzImage/.test(exit.output) && exit.timedOut) {
      return 'kvmtool loaded the guest as a flat binary but it never stopped (no i8042 reset?)';
    }
    return undefined;
  },
  describe: () => 'kvmtool (lkvm run --nodefaults --network mode=none, flat binary at 1000:0000) on KVM',
};
