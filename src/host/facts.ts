/** Facts about the host read from /proc and /sys: what the CPU, kernel and KVM modules are. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

export const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

function cpuinfoField(field: string): string | undefined {
  const match = new RegExp(`^${field}\\s*:\\s*(.*)$`, 'm').exec(readText('/proc/cpuinfo') ?? '');
  return match?.[1]?.trim();
}

export const cpuModel = () => cpuinfoField('model name') ?? 'unknown';
export const cpuMicrocode = () => cpuinfoField('microcode');
export const cpuFlags = () => new Set((cpuinfoField('flags') ?? '').split(/\s+/));
export const kernelRelease = () => release();

/** KVM modules that are present (built in or loaded) and their parameters. */
export function kvmModules(): Record<string, Record<string, string>> {
  const modules: Record<string, Record<string, string>> = {};
  for (const name of ['kvm', 'kvm_intel', 'kvm_amd', 'kvm_pvm']) {
    const dir = `/sys/module/${name}/parameters`;
    if (!existsSync(`/sys/module/${name}`)) continue;
    const parameters: Record<string, string> = {};
    try {
      for (const parameter of readdirSync(dir)) {
        const value = readText(`${dir}/${parameter}`);
        if (value !== undefined) parameters[parameter] = value;
      }
    } catch {
      // A module without parameters is still present.
    }
    modules[name] = parameters;
  }
  return modules;
}

export interface Virtualization {
  /** This kernel runs under a hypervisor (CPUID hypervisor bit). */
  hostIsVirtualMachine: boolean;
  /** The hypervisor beneath this kernel, as far as it can be told. */
  underlyingHypervisor: string | undefined;
  /** KVM here is itself nested: the host is a VM that offers KVM to its own guests. */
  nested: boolean;
  /** The KVM vendor module in use: kvm_intel, kvm_amd or kvm_pvm. */
  vendorModule: string | undefined;
  /** PVM (pagetable-based virtual machine): KVM without hardware virtualisation, on a PVM-aware kernel. */
  pvm: boolean;
  description: string;
}

export function virtualization(): Virtualization {
  const flags = cpuFlags();
  const modules = kvmModules();
  const hostIsVirtualMachine = flags.has('hypervisor');
  const vendorModule = ['kvm_pvm', 'kvm_intel', 'kvm_amd'].find((name) => name in modules);
  const pvm = vendorModule === 'kvm_pvm';
  const clocksource = readText('/sys/devices/system/clocksource/clocksource0/current_clocksource');
  const underlyingHypervisor = !hostIsVirtualMachine
    ? undefined
    : (readText('/sys/hypervisor/type') ??
      (pvm
        ? 'PVM'
        : clocksource === 'kvm-clock'
          ? 'KVM'
          : clocksource === 'hyperv_clocksource_tsc_page'
            ? 'Hyper-V'
            : 'unknown'));
  const nested = hostIsVirtualMachine && vendorModule !== undefined;
  const parts = [
    hostIsVirtualMachine ? `this host is a VM (hypervisor: ${underlyingHypervisor})` : 'this host is bare metal',
    vendorModule ? `KVM through ${vendorModule}` : 'no KVM vendor module present',
  ];
  if (nested)
    parts.push(pvm ? 'nested through PVM (no hardware virtualisation in the guest)' : 'nested virtualisation');
  return { hostIsVirtualMachine, underlyingHypervisor, nested, vendorModule, pvm, description: parts.join('; ') };
}

export function smtActive(): boolean | undefined {
  const value = readText('/sys/devices/system/cpu/smt/active');
  return value === undefined ? undefined : value === '1';
}

export const cpuGovernor = () => readText('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor');
export const transparentHugepages = () =>
  /\[(\w+)\]/.exec(readText('/sys/kernel/mm/transparent_hugepage/enabled') ?? '')?.[1];
export const perfEventParanoid = () => {
  const value = readText('/proc/sys/kernel/perf_event_paranoid');
  return value === undefined ? undefined : Number(value);
};

/** TSC frequency in Hz where the kernel states it (tsc_known_freq), else undefined. */
export function tscHz(): number | undefined {
  const khz = readText('/sys/devices/system/cpu/cpu0/tsc_freq_khz');
  if (khz && Number(khz) > 0) return Number(khz) * 1000;
  return undefined;
}
