/**
 * The ftrace captures and results recorded on the PVM host (test/fixtures/ftrace-pvm/: raw batch
 * captures and the trace parts of results.json), and ways to disturb a capture.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { CellTrace, ExitSplit, TracedBatch } from '../../src/results/trace.js';
import { parseTrace, splitExits } from '../../src/trace/ftrace-parse.js';

// This file runs compiled, from dist/test/helpers: the fixtures are in the source tree.
const fixtureUrl = (name: string) => new URL(`../../../test/fixtures/ftrace-pvm/${name}`, import.meta.url);
const rawTrace = (name: string) => gunzipSync(readFileSync(fileURLToPath(fixtureUrl(`${name}.txt.gz`)))).toString();

export interface RecordedCell {
  workload: string;
  binding: string;
  untracedMedianNs?: number;
  trace?: CellTrace;
}
export interface RecordedRun {
  floor: string;
  measurements: RecordedCell[];
}
export const recorded = (name: string): RecordedRun =>
  JSON.parse(readFileSync(fileURLToPath(fixtureUrl(name)), 'utf8'));
/** One run of four workloads, every binding, 5 traced batches per cell. */
export const run = recorded('run-4-workloads.json');
/** Three runs of pio-out,hlt (each also stands in for one process of a run). */
export const threeRuns = [1, 2, 3].map((i) => recorded(`run-${i}-pio-out-hlt.json`));

export const cellOf = (r: RecordedRun, workload: string, binding: string) =>
  r.measurements.find((m) => m.workload === workload && m.binding === binding) as RecordedCell;

/** A recorded batch: its raw capture split again, and what results.json says about it. */
export function recordedBatch(name: string): { split: ExitSplit; batch: TracedBatch; text: string } {
  const [workload, binding, batchName] = name.split('--') as [string, string, string];
  const text = rawTrace(name);
  const events = parseTrace(text);
  const pid = events.find((event) => event.name === 'sys_enter_ioctl')?.pid as number;
  const batch = cellOf(run, workload, binding).trace?.batches?.[Number(batchName.slice(1)) - 1] as TracedBatch;
  return { split: splitExits(events, pid), batch, text };
}

export const loopNsOf = (batch: TracedBatch) => batch.loopNsPerIteration * batch.iterations;

export function pidOf(text: string): number {
  return parseTrace(text).find((event) => event.name === 'sys_enter_ioctl')?.pid as number;
}

/** Moves every timestamp after the `after`-th KVM_RUN return by `seconds` (a preemption there). */
export function delayAfter(text: string, after: number, seconds: number): string {
  let returns = 0;
  return text
    .split('\n')
    .map((line) => {
      const shifted =
        returns >= after
          ? line.replace(/(\d+\.\d{6}):/, (_, ts: string) => `${(Number(ts) + seconds).toFixed(6)}:`)
          : line;
      if (/sys_ioctl -> /.test(line)) returns++;
      return shifted;
    })
    .join('\n');
}

/** Stretches every interval of a capture by `factor` (a batch on a slower moment of the host). */
export function stretch(text: string, factor: number): string {
  let origin: number | undefined;
  return text.replace(/(\d+\.\d{6}):/g, (_, ts: string) => {
    origin ??= Number(ts);
    return `${(origin + (Number(ts) - origin) * factor).toFixed(6)}:`;
  });
}
