/** Doctor checks of the host around KVM: virtualisation, perf, the TSC, versions, other runtimes. */
import { tscFrequency } from '../bench/guest-clock.js';
import { tscHz } from '../host/facts.js';
import { describeSurveyed, surveyRuntimes } from '../runtimes/discover.js';
import type { Check, DoctorContext } from './types.js';

/** Whether this host is a VM, nested, or runs KVM through PVM (informs every number kvmbench gives). */
export function virtualizationCheck({ report }: DoctorContext): Check[] {
  return [{ name: 'virtualization', status: 'info', detail: report.virtualization.description }];
}

/** Whether perf is here, what it can count, and whether tracepoints are open to this user. */
export function perfCheck({ report }: DoctorContext): Check[] {
  const perf = report.perf;
  return [
    {
      name: 'perf',
      status: perf.path ? 'ok' : 'warn',
      detail: perf.path
        ? `perf ${perf.version}; ${perf.detail}; perf_event_paranoid=${perf.eventParanoid ?? 'unknown'}`
        : perf.detail,
      ...(perf.path && (perf.eventParanoid ?? 0) > 1 && process.getuid?.() !== 0
        ? { fix: 'tracepoints need perf_event_paranoid <= -1 or root: sudo sysctl kernel.perf_event_paranoid=-1' }
        : {}),
    },
  ];
}

/** The TSC's rate and where it was read: the guest-clock workloads (*-tsc) turn guest cycles into ns at it. */
export function tscCheck(): Check[] {
  const tsc = tscFrequency({ tscHz: tscHz() });
  return [
    {
      name: 'tsc',
      status: tsc.hz ? 'ok' : 'warn',
      detail: tsc.hz ? `${(tsc.hz / 1e6).toFixed(3)} MHz, ${tsc.source}` : tsc.source,
    },
  ];
}

export function versionsCheck({ report }: DoctorContext): Check[] {
  const detail = Object.entries(report.versions)
    .map(([k, val]) => `${k} ${val}`)
    .join(', ');
  return [{ name: 'versions', status: 'info', detail }];
}

/** run --runtimes: which runtimes are here (none is required; the default run uses this Node). */
export async function runtimesCheck(): Promise<Check[]> {
  return (await surveyRuntimes()).map(
    (entry): Check => ({
      name: `runtime ${entry.name}`,
      status: 'info',
      detail: describeSurveyed(entry),
      ...(entry.runtime ? {} : { fix: 'npm run runtimes:install (only for run --runtimes)' }),
    }),
  );
}
