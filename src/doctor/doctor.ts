/** `kvmbench doctor`: what this host can and cannot do for kvmbench, and how to fix what is missing. */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CAPABILITIES } from '../abi/kvm.js';
import { runExitLoop } from '../bench/exit-loops.js';
import { tscFrequency } from '../bench/guest-clock.js';
import type { Binding } from '../bindings/types.js';
import { SyscallError } from '../errors.js';
import { bootGuest } from '../guests/boot.js';
import { loadGuest } from '../guests/manifest.js';
import { perfEventParanoid, tscHz, type Virtualization, virtualization } from '../host/facts.js';
import { type PerfSupport, probePerf } from '../host/perf.js';
import { DEFAULT_KVM_PATH, Kvm, openHint } from '../kvm/system.js';
import { describeSurveyed, surveyRuntimes } from '../runtimes/discover.js';
import { parseTrace } from '../trace/ftrace-parse.js';
import {
  countEvents,
  eventExists,
  findTracefs,
  KVM_TRACEPOINTS,
  TRACEFS_HINT,
  TraceInstance,
} from '../trace/tracefs.js';
import { type AccessModel, adviseDeviceAccess, type DeviceAdvice, readDeviceFacts } from '../util/device-access.js';
import { ERRNO } from '../util/errno.js';
import { KVMBENCH_VERSION } from '../version.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface TracepointReport {
  event: string;
  exists: boolean;
  /** Events seen during a short guest run in this process, or undefined when not measured. */
  fired?: number;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
  kvm: { path: string; accessible: boolean; apiVersion?: number; capabilities: Record<string, number> };
  virtualization: Virtualization;
  tracefs: { path?: string; writable: boolean; tracepoints: TracepointReport[] };
  perf: PerfSupport & { eventParanoid?: number };
  versions: Record<string, string>;
}

function versions(binding: Binding | undefined): Record<string, string> {
  const require = createRequire(import.meta.url);
  const koffiVersion = () => {
    try {
      return (require('koffi') as { version: string }).version;
    } catch {
      return 'missing';
    }
  };
  return {
    kvmbench: KVMBENCH_VERSION,
    node: process.versions.node,
    v8: process.versions.v8,
    napi: process.versions.napi ?? 'unknown',
    koffi: koffiVersion(),
    addon: binding ? 'built' : 'not built',
  };
}

/**
 * The pid the kernel, and so every trace line, knows this process by: the pid on its own trace marker.
 * It differs from process.pid in a pid namespace (a container without --pid host).
 */
export function kernelPid(instance: TraceInstance): number | undefined {
  instance.start();
  instance.mark('kvmbench pid probe');
  instance.stop();
  const marker = parseTrace(instance.read()).find((event) => event.name === 'tracing_mark_write');
  instance.clear();
  return marker?.pid;
}

/** Runs a few hundred PIO and MMIO exits while the KVM tracepoints record into a private instance. */
function countFiringTracepoints(
  root: string,
  binding: Binding,
  kvm: Kvm,
): { fired: Map<string, number>; kernelPid: number | undefined } {
  const instance = TraceInstance.create(root, 'doctor');
  try {
    instance.setBufferSizeKb(1024);
    const pid = kernelPid(instance);
    const filter = `common_pid == ${pid ?? process.pid}`;
    for (const event of KVM_TRACEPOINTS) {
      if (!eventExists(root, event)) continue;
      // Syscall tracepoints carry the pid; KVM's fire in the vCPU thread, which is this one.
      instance.enable(event, filter);
    }
    instance.start();
    for (const name of ['pio-out', 'mmio-write']) {
      const booted = bootGuest(binding, loadGuest(name), kvm);
      try {
        runExitLoop(binding, { kind: 'exits', guest: booted.guest, vcpu: booted.vcpu }, 200, { sequence: 0 });
      } finally {
        booted.close();
      }
    }
    instance.stop();
    return { fired: countEvents(instance.read()), kernelPid: pid };
  } finally {
    instance.remove();
  }
}

const MODEL_TEXT: Record<AccessModel, (advice: DeviceAdvice, gid: number) => string> = {
  world: () => 'every user may open it',
  group: (_advice, gid) => `members of its group may open it (in Docker: --group-add ${gid})`,
  'owner-only': () => 'only its owner may open it; no group can, so --group-add cannot help',
};

/** The device's permission model, and what a user without access would need (said before anything runs). */
function kvmAccessCheck(kvmPath: string, opened: boolean): Check | undefined {
  const facts = readDeviceFacts(kvmPath);
  if (!facts) return undefined;
  const advice = adviseDeviceAccess(facts);
  const place = facts.inContainer ? 'in this container' : 'on this host';
  const detail = `${kvmPath} is ${advice.description} ${place}: ${MODEL_TEXT[advice.model](advice, facts.gid)}`;
  if (!opened) return { name: 'kvm permissions', status: 'info', detail };
  if (advice.model === 'world') return { name: 'kvm permissions', status: 'ok', detail };
  // Opened, perhaps only because this process is root or in the group: say what anyone else needs.
  const stranger = adviseDeviceAccess({ ...facts, processUid: 65534, processGroups: [65534] });
  const how = facts.processUid === 0 ? 'opened as root' : 'opened through its group';
  return {
    name: 'kvm permissions',
    status: 'info',
    detail: `${detail}; ${how}`,
    fix: `for other users: ${stranger.fix}`,
  };
}

export async function runDoctor(options: {
  binding?: Binding;
  /** Why the napi binding could not be loaded (the addon's own message: missing, or built for another Node). */
  bindingError?: string;
  kvmPath?: string;
}): Promise<DoctorReport> {
  const checks: Check[] = [];
  const kvmPath = options.kvmPath ?? DEFAULT_KVM_PATH;
  const binding = options.binding;
  const report: DoctorReport = {
    ok: true,
    checks,
    kvm: { path: kvmPath, accessible: false, capabilities: {} },
    virtualization: virtualization(),
    tracefs: { writable: false, tracepoints: [] },
    perf: { ...(await probePerf()), eventParanoid: perfEventParanoid() },
    versions: versions(binding),
  };

  let kvm: Kvm | undefined;
  if (!existsSync(kvmPath)) {
    const modules = report.virtualization.vendorModule
      ? ` (the ${report.virtualization.vendorModule} module is present but registered no device: see \`dmesg | grep -i kvm\`)`
      : '';
    checks.push({
      name: 'kvm device',
      status: 'fail',
      detail: `${kvmPath} does not exist${modules}`,
      fix: openHint(ERRNO.ENOENT, kvmPath),
    });
  } else if (!binding) {
    checks.push({
      name: 'kvm device',
      status: 'fail',
      detail: options.bindingError ?? 'the native addon is not built',
      fix: 'run `npm run build:native`',
    });
  } else {
    try {
      kvm = Kvm.open(binding, kvmPath);
      report.kvm.accessible = true;
      report.kvm.apiVersion = kvm.apiVersion();
      for (const [name, number] of Object.entries(CAPABILITIES))
        report.kvm.capabilities[name] = kvm.checkExtension(number);
      checks.push({
        name: 'kvm device',
        status: 'ok',
        detail: `${kvmPath} opens read/write, API version ${report.kvm.apiVersion}`,
      });
      const missing = Object.entries(report.kvm.capabilities).filter(
        ([name, value]) => value === 0 && name !== 'KVM_CAP_SET_TSS_ADDR',
      );
      checks.push({
        name: 'capabilities',
        status: missing.length ? 'warn' : 'ok',
        detail: Object.entries(report.kvm.capabilities)
          .map(([name, value]) => `${name.replace('KVM_CAP_', '')}=${value}`)
          .join(' '),
        ...(missing.length
          ? {
              fix: `missing: ${missing.map(([name]) => name).join(', ')}; cells that need them fail in kvmbench run (without BINARY_STATS_FD only the exit-count check is off)`,
            }
          : {}),
      });
    } catch (error) {
      const detail = error instanceof SyscallError ? error.summary : (error as Error).message;
      const fix = error instanceof SyscallError ? error.hint : undefined;
      checks.push({ name: 'kvm device', status: 'fail', detail, ...(fix ? { fix } : {}) });
    }
  }

  const access = kvmAccessCheck(kvmPath, report.kvm.accessible);
  if (access) checks.push(access);

  const v = report.virtualization;
  checks.push({ name: 'virtualization', status: 'info', detail: v.description });
  if (v.pvm) {
    checks.push({
      name: 'exit tracepoints',
      status: 'info',
      detail:
        'under PVM kvm:kvm_exit and kvm:kvm_entry do not fire, so `perf kvm stat` shows nothing; kvmbench times exits from syscall and kvm_userspace_exit tracepoints instead',
    });
  }

  const root = findTracefs();
  if (!root) {
    checks.push({
      name: 'tracefs',
      status: 'warn',
      detail: 'tracefs is not mounted: --trace ftrace is unavailable',
      fix: TRACEFS_HINT,
    });
  } else {
    report.tracefs.path = root;
    try {
      accessSync(`${root}/instances`, constants.W_OK);
      report.tracefs.writable = true;
    } catch {
      report.tracefs.writable = false;
    }
    let fired = new Map<string, number>();
    let measured = false;
    if (report.tracefs.writable && kvm && binding) {
      try {
        const probe = countFiringTracepoints(root, binding, kvm);
        fired = probe.fired;
        measured = true;
        if (probe.kernelPid !== undefined && probe.kernelPid !== process.pid) {
          checks.push({
            name: 'pid namespace',
            status: 'warn',
            detail: `this process is pid ${process.pid} here but pid ${probe.kernelPid} to the kernel (its own pid namespace), and trace lines carry the kernel's: --trace ftrace filters on this pid and would find no events`,
            fix: 'run the container with --pid host',
          });
        }
      } catch (error) {
        checks.push({
          name: 'tracepoint probe',
          status: 'warn',
          detail: `could not count tracepoints: ${(error as Error).message}`,
        });
      }
    }
    report.tracefs.tracepoints = KVM_TRACEPOINTS.map((event) => {
      const exists = eventExists(root, event);
      const name = event.split(':')[1] as string;
      return { event, exists, ...(measured && exists ? { fired: fired.get(name) ?? 0 } : {}) };
    });
    const summary = report.tracefs.tracepoints
      .map(
        (t) =>
          `${t.event}${!t.exists ? ' (absent)' : t.fired === undefined ? '' : t.fired > 0 ? ` fires (${t.fired})` : ' never fired'}`,
      )
      .join(', ');
    checks.push({
      name: 'tracefs',
      status: report.tracefs.writable ? 'ok' : 'warn',
      detail: `${root} ${report.tracefs.writable ? 'writable' : 'read-only'}; ${summary}`,
      ...(report.tracefs.writable
        ? {}
        : { fix: 'run as root, or in Docker with --cap-add SYS_ADMIN and tracefs mounted' }),
    });
  }

  const perf = report.perf;
  checks.push({
    name: 'perf',
    status: perf.path ? 'ok' : 'warn',
    detail: perf.path
      ? `perf ${perf.version}; ${perf.detail}; perf_event_paranoid=${perf.eventParanoid ?? 'unknown'}`
      : perf.detail,
    ...(perf.path && (perf.eventParanoid ?? 0) > 1 && process.getuid?.() !== 0
      ? { fix: 'tracepoints need perf_event_paranoid <= -1 or root: sudo sysctl kernel.perf_event_paranoid=-1' }
      : {}),
  });
  // The guest-clock workloads (*-tsc) turn guest cycles into ns at this rate.
  const tsc = tscFrequency({ tscHz: tscHz() });
  checks.push({
    name: 'tsc',
    status: tsc.hz ? 'ok' : 'warn',
    detail: tsc.hz ? `${(tsc.hz / 1e6).toFixed(3)} MHz, ${tsc.source}` : tsc.source,
  });
  checks.push({
    name: 'versions',
    status: 'info',
    detail: Object.entries(report.versions)
      .map(([k, val]) => `${k} ${val}`)
      .join(', '),
  });

  // run --runtimes: which runtimes are here (none is required; the default run uses this Node).
  for (const entry of await surveyRuntimes()) {
    checks.push({
      name: `runtime ${entry.name}`,
      status: 'info',
      detail: describeSurveyed(entry),
      ...(entry.runtime ? {} : { fix: 'npm run runtimes:install (only for run --runtimes)' }),
    });
  }

  kvm?.close();
  report.ok = !checks.some((check) => check.status === 'fail');
  return report;
}
