/**
 * What a measuring child (run --processes, --runtimes) is asked to do, as data. The parent writes a
 * ChildRequest (JSON) into its scratch folder and starts `kvmbench run --options-file <it>`; the
 * child reads it back, validated against the results schema's `run.options`, and measures exactly
 * its RunOptions. What differs per child (its bindings, their injected delays, one process, JSON
 * only, its folder) is part of the request, so a RunOptions field reaches every child by itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { validateRunOptions } from '../results/read.js';
import type { RunOptions } from '../results/types.js';
import { writeFileAtomically } from '../results/write.js';
import type { Plan } from './plan.js';

export interface ChildRequest {
  /** What the child measures: the parent's RunOptions for its bindings, in one process. */
  options: RunOptions;
  kvmPath: string;
  /** The folder the child makes its run folder in (in the parent's scratch folder). */
  out: string;
  /** The formats it writes: results.json is what the parent reads. */
  formats: string[];
}

/** What a child tells its parent beside its results: a part of its run that failed. */
export interface ChildReport {
  /** Why tracing failed after its measured rounds (the measurements are kept). */
  traceFailure?: string;
}

/** The report's file, in the child's --out folder beside its run folder. */
const CHILD_REPORT_FILE = 'child-report.json';

/** The request that makes a child measure exactly this plan, of `bindings` (its runtime's). */
export function childRequest(
  plan: Plan,
  kvmPath: string,
  out: string,
  bindings: readonly string[] = plan.bindings,
): ChildRequest {
  const { runtimes: _measuredInEach, injectDelayNs, ...options } = plan.options;
  const delays = injectDelayNs
    ? Object.fromEntries(Object.entries(injectDelayNs).filter(([binding]) => bindings.includes(binding)))
    : {};
  return {
    options: {
      ...options,
      bindings: [...bindings],
      processes: 1,
      ...(Object.keys(delays).length ? { injectDelayNs: delays } : {}),
    },
    kvmPath,
    out,
    formats: ['json'],
  };
}

export function writeChildRequest(path: string, request: ChildRequest): void {
  writeFileAtomically(path, `${JSON.stringify(request, null, 2)}\n`);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${path}: cannot read it (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${path}: not JSON: ${(error as Error).message}`);
  }
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Reads and checks a child's request; anything missing or malformed is a UsageError naming the file. */
export function readChildRequest(path: string): ChildRequest {
  const what = '--options-file';
  const raw = readJson(path, what);
  const request = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof ChildRequest, unknown>>;
  const { kvmPath, out, formats } = request;
  if (typeof kvmPath !== 'string' || typeof out !== 'string' || !isStringList(formats)) {
    throw new UsageError(
      `${what} ${path} is not a measuring child's request: it needs options, kvmPath, out and formats`,
    );
  }
  const options = validateRunOptions(request.options, `${what} ${path} (options)`);
  return { options, kvmPath, out, formats };
}

export function writeChildReport(out: string, report: ChildReport): void {
  writeFileAtomically(join(out, CHILD_REPORT_FILE), `${JSON.stringify(report)}\n`);
}

/** The report a child wrote into `out`; none (or one that cannot be read) says nothing failed. */
export function readChildReport(out: string): ChildReport {
  try {
    const raw = JSON.parse(readFileSync(join(out, CHILD_REPORT_FILE), 'utf8')) as { traceFailure?: unknown };
    return typeof raw.traceFailure === 'string' ? { traceFailure: raw.traceFailure } : {};
  } catch {
    return {};
  }
}
