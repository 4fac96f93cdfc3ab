/** The doctor's report, its checks, and the context the checks share while they run in order. */
import type { Binding } from '../bindings/types.js';
import type { Virtualization } from '../host/facts.js';
import type { PerfSupport } from '../host/perf.js';
import type { Kvm } from '../kvm/system.js';

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

export interface DoctorOptions {
  binding?: Binding;
  /** Why the napi binding could not be loaded (the addon's own message: missing, or built for another Node). */
  bindingError?: string;
  kvmPath?: string;
}

/**
 * What the checks share. The report holds the host facts gathered before the first check and is
 * filled in by the checks; what a later check needs from an earlier one is a field here.
 */
export interface DoctorContext {
  readonly kvmPath: string;
  readonly binding: Binding | undefined;
  readonly bindingError: string | undefined;
  readonly report: DoctorReport;
  /** The KVM handle the kvm device check opened: later checks read it and run guests on it; runDoctor closes it. */
  kvm?: Kvm;
  /** Per tracepoint name, how often it fired over the probe's guest run; absent when it was not measured. */
  fired?: Map<string, number>;
}

/** One check: the lines it adds to the report (none when it has nothing to say here). */
export type DoctorCheck = (context: DoctorContext) => Check[] | Promise<Check[]>;
