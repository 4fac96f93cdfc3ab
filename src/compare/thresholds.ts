/**
 * The smallest change `kvmbench compare` calls a regression or an improvement, in percent:
 * one default plus overrides per workload (by name, or by kind: lifecycle, exit, baseline).
 */

import { UsageError } from '../errors.js';
import type { VerdictBasis } from '../results/comparison.js';
import type { WorkloadInfo, WorkloadKind } from '../results/types.js';

/** Absolute times: a host's speed moves them by 5-8 % between runs, so below that a threshold only counts noise. */
export const DEFAULT_THRESHOLD_PERCENT = 5;
/**
 * The binding / floor ratio: the host's speed cancels in it. In the project's simulation at the noise
 * measured on a real host (test/helpers/noise-model.ts, docs/compare.md) no A/A pair flags a cell at
 * 3 %; +10 % is caught in every binding cell, +5 % in about half of them.
 */
export const DEFAULT_RATIO_THRESHOLD_PERCENT = 3;

const WORKLOAD_KINDS: readonly WorkloadKind[] = ['lifecycle', 'exit', 'baseline'];

export interface ThresholdPolicy {
  /** Percent applied to every workload without an override. */
  defaultPercent: number;
  /** Workload name or kind → percent. A name wins over a kind. */
  overrides: Record<string, number>;
}

export const defaultThresholdPercent = (basis: VerdictBasis = 'ratio-to-floor'): number =>
  basis === 'absolute' ? DEFAULT_THRESHOLD_PERCENT : DEFAULT_RATIO_THRESHOLD_PERCENT;

export const defaultThresholdPolicy = (basis: VerdictBasis = 'ratio-to-floor'): ThresholdPolicy => ({
  defaultPercent: defaultThresholdPercent(basis),
  overrides: {},
});

/** Parses a percentage such as `5`, `2.5` or `5%`: at least 0, below 100. */
export function parseThresholdPercent(option: string, value: string): number {
  const text = value.trim().replace(/%$/, '').trim();
  const percent = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(percent < 100)) {
    throw new UsageError(`${option} must be a percentage from 0 to below 100, such as 5 or 2.5 (got '${value}')`);
  }
  return percent;
}

/**
 * Parses `pio-out=3,lifecycle=10` into overrides, adding to those of earlier occurrences of the
 * option so that it can be repeated.
 */
export function parseThresholdOverrides(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const overrides = { ...previous };
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--threshold-for needs workload=percent pairs (got '${value}')`);
  for (const item of items) {
    const separator = item.indexOf('=');
    const name = item.slice(0, separator).trim();
    if (separator < 0 || name === '') {
      throw new UsageError(`--threshold-for: '${item}' is not workload=percent, such as pio-out=3`);
    }
    overrides[name] = parseThresholdPercent(`--threshold-for ${name}`, item.slice(separator + 1));
  }
  return overrides;
}

/** The threshold for one workload, in percent. */
export function thresholdPercentFor(policy: ThresholdPolicy, workload: string, kind?: string): number {
  return (
    policy.overrides[workload] ?? (kind === undefined ? undefined : policy.overrides[kind]) ?? policy.defaultPercent
  );
}

/** Refuses overrides that name no workload in either run, nor a kind: a typo would otherwise pass silently. */
export function checkThresholdOverrides(policy: ThresholdPolicy, workloads: readonly WorkloadInfo[]): void {
  const known = new Set<string>([...WORKLOAD_KINDS, ...workloads.map((workload) => workload.name)]);
  const unknown = Object.keys(policy.overrides).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const names = [...new Set(workloads.map((workload) => workload.name))].sort();
    throw new UsageError(
      `--threshold-for: no workload or kind named ${unknown.map((name) => `'${name}'`).join(', ')} in either run: ` +
        `the workloads are ${names.join(', ') || '(none)'}; the kinds are ${WORKLOAD_KINDS.join(', ')}`,
    );
  }
}
