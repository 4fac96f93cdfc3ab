/**
 * `kvmbench doctor`: what this host can and cannot do for kvmbench, and how to fix what is missing.
 * The host facts are gathered first, then each check of DOCTOR_CHECKS (checks.ts) runs in order.
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { Binding } from '../bindings/types.js';
import { perfEventParanoid, virtualization } from '../host/facts.js';
import { probePerf } from '../host/perf.js';
import { DEFAULT_KVM_PATH } from '../kvm/system.js';
import { findTracefs } from '../trace/tracefs.js';
import { KVMBENCH_VERSION } from '../version.js';
import { DOCTOR_CHECKS } from './checks.js';
import type { DoctorContext, DoctorOptions, DoctorReport } from './types.js';

export type { Check, CheckStatus, DoctorOptions, DoctorReport, TracepointReport } from './types.js';

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

/** Where tracefs is mounted and whether this process may create instances in it. */
function tracefsFacts(): DoctorReport['tracefs'] {
  const tracefs: DoctorReport['tracefs'] = { writable: false, tracepoints: [] };
  const root = findTracefs();
  if (!root) return tracefs;
  tracefs.path = root;
  try {
    accessSync(`${root}/instances`, constants.W_OK);
    tracefs.writable = true;
  } catch {
    tracefs.writable = false;
  }
  return tracefs;
}

/** The report before any check: the host facts the checks read, with nothing found yet about KVM. */
async function startReport(kvmPath: string, binding: Binding | undefined): Promise<DoctorReport> {
  return {
    ok: true,
    checks: [],
    kvm: { path: kvmPath, accessible: false, capabilities: {} },
    virtualization: virtualization(),
    tracefs: tracefsFacts(),
    perf: { ...(await probePerf()), eventParanoid: perfEventParanoid() },
    versions: versions(binding),
  };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const kvmPath = options.kvmPath ?? DEFAULT_KVM_PATH;
  const context: DoctorContext = {
    kvmPath,
    binding: options.binding,
    bindingError: options.bindingError,
    report: await startReport(kvmPath, options.binding),
  };
  const { report } = context;
  try {
    for (const check of DOCTOR_CHECKS) report.checks.push(...(await check(context)));
  } finally {
    context.kvm?.close();
  }
  report.ok = !report.checks.some((check) => check.status === 'fail');
  return report;
}
