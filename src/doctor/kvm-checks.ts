/** Doctor checks of the KVM device: does it open, what it can do, who may open it. */
import { existsSync } from 'node:fs';
import { CAPABILITIES } from '../abi/kvm.js';
import { SyscallError } from '../errors.js';
import { Kvm, openHint } from '../kvm/system.js';
import { type AccessModel, adviseDeviceAccess, type DeviceAdvice, readDeviceFacts } from '../util/device-access.js';
import { ERRNO } from '../util/errno.js';
import type { Check, DoctorContext } from './types.js';

/** Whether the device exists and opens read/write; on success it stays open in the context for later checks. */
export function kvmDeviceCheck(context: DoctorContext): Check[] {
  const { kvmPath, binding, report } = context;
  if (!existsSync(kvmPath)) {
    const modules = report.virtualization.vendorModule
      ? ` (the ${report.virtualization.vendorModule} module is present but registered no device: see \`dmesg | grep -i kvm\`)`
      : '';
    return [
      {
        name: 'kvm device',
        status: 'fail',
        detail: `${kvmPath} does not exist${modules}`,
        fix: openHint(ERRNO.ENOENT, kvmPath),
      },
    ];
  }
  if (!binding) {
    return [
      {
        name: 'kvm device',
        status: 'fail',
        detail: context.bindingError ?? 'the native addon is not built',
        fix: 'run `npm run build:native`',
      },
    ];
  }
  try {
    context.kvm = Kvm.open(binding, kvmPath);
    report.kvm.accessible = true;
    report.kvm.apiVersion = context.kvm.apiVersion();
    return [
      { name: 'kvm device', status: 'ok', detail: `${kvmPath} opens read/write, API version ${report.kvm.apiVersion}` },
    ];
  } catch (error) {
    const detail = error instanceof SyscallError ? error.summary : (error as Error).message;
    const fix = error instanceof SyscallError ? error.hint : undefined;
    return [{ name: 'kvm device', status: 'fail', detail, ...(fix ? { fix } : {}) }];
  }
}

/** The capabilities kvmbench uses, each as KVM_CHECK_EXTENSION answers it on the open device. */
export function capabilitiesCheck({ kvm, report }: DoctorContext): Check[] {
  // Only once the device check passed: the device opened and answered its API version.
  if (!kvm || report.kvm.apiVersion === undefined) return [];
  for (const [name, number] of Object.entries(CAPABILITIES)) report.kvm.capabilities[name] = kvm.checkExtension(number);
  return [capabilitiesVerdict(report.kvm.capabilities)];
}

/** The capabilities line from KVM's answers: a warning naming each missing one (TSS_ADDR may be 0). */
export function capabilitiesVerdict(capabilities: Readonly<Record<string, number>>): Check {
  const missing = Object.entries(capabilities).filter(
    ([name, value]) => value === 0 && name !== 'KVM_CAP_SET_TSS_ADDR',
  );
  return {
    name: 'capabilities',
    status: missing.length ? 'warn' : 'ok',
    detail: Object.entries(capabilities)
      .map(([name, value]) => `${name.replace('KVM_CAP_', '')}=${value}`)
      .join(' '),
    ...(missing.length
      ? {
          fix: `missing: ${missing.map(([name]) => name).join(', ')}; cells that need them fail in kvmbench run, and the VMM-design workloads that need them (IOEVENTFD, COALESCED_*, IRQCHIP and IRQFD) are skipped, naming them (without BINARY_STATS_FD only the exit-count check is off)`,
        }
      : {}),
  };
}

const MODEL_TEXT: Record<AccessModel, (advice: DeviceAdvice, gid: number) => string> = {
  world: () => 'every user may open it',
  group: (_advice, gid) => `members of its group may open it (in Docker: --group-add ${gid})`,
  'owner-only': () => 'only its owner may open it; no group can, so --group-add cannot help',
};

/** The device's permission model, and what a user without access would need (said before anything runs). */
export function kvmPermissionsCheck({ kvmPath, report }: DoctorContext): Check[] {
  const facts = readDeviceFacts(kvmPath);
  if (!facts) return [];
  const advice = adviseDeviceAccess(facts);
  const place = facts.inContainer ? 'in this container' : 'on this host';
  const detail = `${kvmPath} is ${advice.description} ${place}: ${MODEL_TEXT[advice.model](advice, facts.gid)}`;
  if (!report.kvm.accessible) return [{ name: 'kvm permissions', status: 'info', detail }];
  if (advice.model === 'world') return [{ name: 'kvm permissions', status: 'ok', detail }];
  // Opened, perhaps only because this process is root or in the group: say what anyone else needs.
  const stranger = adviseDeviceAccess({ ...facts, processUid: 65534, processGroups: [65534] });
  const how = facts.processUid === 0 ? 'opened as root' : 'opened through its group';
  return [
    {
      name: 'kvm permissions',
      status: 'info',
      detail: `${detail}; ${how}`,
      fix: `for other users: ${stranger.fix}`,
    },
  ];
}
