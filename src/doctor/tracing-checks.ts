/** Doctor checks of tracing: which KVM tracepoints exist here and which of them fire. */
import { eventExists, KVM_TRACEPOINTS, TRACEFS_HINT } from '../trace/tracefs.js';
import { countFiringTracepoints } from './tracepoint-probe.js';
import type { Check, DoctorContext } from './types.js';

/** Under PVM the exit tracepoints perf kvm stat relies on never fire: say which ones kvmbench uses instead. */
export function exitTracepointsCheck({ report }: DoctorContext): Check[] {
  if (!report.virtualization.pvm) return [];
  return [
    {
      name: 'exit tracepoints',
      status: 'info',
      detail:
        'under PVM kvm:kvm_exit and kvm:kvm_entry do not fire, so `perf kvm stat` shows nothing; kvmbench times exits from syscall and kvm_userspace_exit tracepoints instead',
    },
  ];
}

/**
 * Runs a short guest while the KVM tracepoints record, for the tracefs check to say which fire. Needs a
 * writable tracefs and the device the kvm device check opened; says only what went wrong.
 */
export function tracepointProbeCheck(context: DoctorContext): Check[] {
  const { report, kvm, binding } = context;
  const root = report.tracefs.path;
  if (!root || !report.tracefs.writable || !kvm || !binding) return [];
  try {
    const probe = countFiringTracepoints(root, binding, kvm);
    context.fired = probe.fired;
    if (probe.kernelPid === undefined || probe.kernelPid === process.pid) return [];
    return [
      {
        name: 'pid namespace',
        status: 'warn',
        detail: `this process is pid ${process.pid} here but pid ${probe.kernelPid} to the kernel (its own pid namespace), and trace lines carry the kernel's: --trace ftrace filters on this pid and would find no events`,
        fix: 'run the container with --pid host',
      },
    ];
  } catch (error) {
    return [
      { name: 'tracepoint probe', status: 'warn', detail: `could not count tracepoints: ${(error as Error).message}` },
    ];
  }
}

/** Whether tracefs is mounted and writable, and each KVM tracepoint: absent, present, firing or never fired. */
export function tracefsCheck({ report, fired }: DoctorContext): Check[] {
  const root = report.tracefs.path;
  if (!root) {
    return [
      {
        name: 'tracefs',
        status: 'warn',
        detail: 'tracefs is not mounted: --trace ftrace is unavailable',
        fix: TRACEFS_HINT,
      },
    ];
  }
  report.tracefs.tracepoints = KVM_TRACEPOINTS.map((event) => {
    const exists = eventExists(root, event);
    const name = event.split(':')[1] as string;
    return { event, exists, ...(fired && exists ? { fired: fired.get(name) ?? 0 } : {}) };
  });
  const summary = report.tracefs.tracepoints
    .map(
      (t) =>
        `${t.event}${!t.exists ? ' (absent)' : t.fired === undefined ? '' : t.fired > 0 ? ` fires (${t.fired})` : ' never fired'}`,
    )
    .join(', ');
  const writable = report.tracefs.writable;
  return [
    {
      name: 'tracefs',
      status: writable ? 'ok' : 'warn',
      detail: `${root} ${writable ? 'writable' : 'read-only'}; ${summary}`,
      ...(writable ? {} : { fix: 'run as root, or in Docker with --cap-add SYS_ADMIN and tracefs mounted' }),
    },
  ];
}
