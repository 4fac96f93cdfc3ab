/**
 * Whether two runs come from hosts similar enough to compare. A different CPU, kernel, nesting or
 * KVM module parameter changes what an exit costs, so a "regression" across them would be the host's.
 */

import { UsageError } from '../errors.js';
import { describeHostDifference } from '../format/comparison.js';
import type { HostDifference } from '../results/comparison.js';
import type { HostFingerprint } from '../results/types.js';

/** Runs that must not be compared: exit code 2 like any other unusable input. */
export class IncomparableRunsError extends UsageError {
  override name = 'IncomparableRunsError';
  constructor(readonly differences: HostDifference[]) {
    super(
      `the runs come from hosts that differ in what changes performance:\n` +
        `${differences.map((difference) => `  ${describeHostDifference(difference)}`).join('\n')}\n` +
        'compare runs from one host, or pass --allow-different-hosts to compare anyway (the report lists the differences)',
    );
  }
}

type FingerprintField = keyof Omit<HostFingerprint, 'kvmModules'>;

/** What the hardware, kernel and virtualisation layer beneath KVM are. */
const PERFORMANCE_FIELDS: readonly FingerprintField[] = [
  'cpuModel',
  'cpuCount',
  'smt',
  'kernel',
  'hostIsVirtualMachine',
  'underlyingHypervisor',
  'nested',
  'pvm',
];

/** Shown so a reader can judge them, never refused: most are the software a comparison is meant to measure. */
const INFORMATIONAL_FIELDS: readonly FingerprintField[] = [
  'hostname',
  'cpuMicrocode',
  'governor',
  'transparentHugepages',
  'tscHz',
  'hardwareCounters',
  'container',
  'node',
  'v8',
  'koffi',
  'napi',
  'kvmbench',
  'gitRevision',
];

const NOT_RECORDED = '(not recorded)';

const show = (value: unknown): string => (value === undefined ? NOT_RECORDED : String(value));

/** Every fingerprint difference, the performance-relevant ones first. */
export function hostDifferences(baseline: HostFingerprint, current: HostFingerprint): HostDifference[] {
  const differences: HostDifference[] = [];
  const compareField = (field: FingerprintField, performance: boolean): void => {
    const before = baseline[field];
    const after = current[field];
    if (before === after) return;
    // A field one run did not record (an optional one) is shown but cannot prove the hosts differ.
    const affectsPerformance = performance && before !== undefined && after !== undefined;
    differences.push({ field, baseline: show(before), current: show(after), affectsPerformance });
  };
  for (const field of PERFORMANCE_FIELDS) compareField(field, true);
  differences.push(...kvmModuleDifferences(baseline.kvmModules, current.kvmModules));
  for (const field of INFORMATIONAL_FIELDS) compareField(field, false);
  differences.push(...runtimeDifferences(baseline.runtimes, current.runtimes));
  return differences;
}

/**
 * --runtimes: each runtime's version and engine, shown like Node's (the software compared, never
 * refused). Rows of different runtimes never pair (their names differ); rows of one runtime name
 * whose version changed do, and this says so.
 */
function runtimeDifferences(
  baseline: HostFingerprint['runtimes'],
  current: HostFingerprint['runtimes'],
): HostDifference[] {
  if (!baseline && !current) return [];
  const describe = (runtime: NonNullable<HostFingerprint['runtimes']>[number] | undefined) =>
    runtime ? `${runtime.kind} ${runtime.version}, ${runtime.engine}` : NOT_RECORDED;
  const names = [...new Set([...(baseline ?? []), ...(current ?? [])].map((runtime) => runtime.name))];
  return names.flatMap((name) => {
    const [before, after] = [baseline, current].map((list) => describe(list?.find((r) => r.name === name)));
    return before === after
      ? []
      : [
          {
            field: `runtimes.${name}`,
            baseline: before as string,
            current: after as string,
            affectsPerformance: false,
          },
        ];
  });
}

/** Module presence and each parameter value, one difference per parameter. */
function kvmModuleDifferences(
  baseline: HostFingerprint['kvmModules'],
  current: HostFingerprint['kvmModules'],
): HostDifference[] {
  const differences: HostDifference[] = [];
  const modules = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].sort();
  for (const module of modules) {
    const before = baseline[module];
    const after = current[module];
    if (!before || !after) {
      differences.push({
        field: `kvmModules.${module}`,
        baseline: before ? 'loaded' : 'not loaded',
        current: after ? 'loaded' : 'not loaded',
        affectsPerformance: true,
      });
      continue;
    }
    const parameters = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const parameter of parameters) {
      if (before[parameter] === after[parameter]) continue;
      differences.push({
        field: `kvmModules.${module}.${parameter}`,
        baseline: show(before[parameter]),
        current: show(after[parameter]),
        affectsPerformance: true,
      });
    }
  }
  return differences;
}

/** Throws IncomparableRunsError when a performance-relevant field differs, unless allowed. */
export function checkHostsComparable(
  baseline: HostFingerprint,
  current: HostFingerprint,
  allowDifferentHosts: boolean,
): HostDifference[] {
  const differences = hostDifferences(baseline, current);
  const refusing = differences.filter((difference) => difference.affectsPerformance);
  if (refusing.length > 0 && !allowDifferentHosts) throw new IncomparableRunsError(refusing);
  return differences;
}
