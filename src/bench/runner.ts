/**
 * `kvmbench run` without the CLI: options → plan (workloads × bindings) → cells → interleaved
 * rounds → results object. Every VM and the CPU pinning are released on every exit path.
 */
import { randomBytes } from 'node:crypto';
import { getBinding } from '../bindings/registry.js';
import type { Binding } from '../bindings/types.js';
import { hostFingerprint } from '../host/fingerprint.js';
import { Kvm } from '../kvm/system.js';
import type { CellTrace, TraceSession } from '../trace/session.js';
import { onInterrupt, registerCleanup } from '../util/cleanup.js';
import { measurementOf, warningsFor } from './analyze.js';
import { Cell } from './cell.js';
import { pinToCpu } from './pinning.js';
import { type Results, type RunOptions, SCHEMA_VERSION } from './results.js';
import { runSchedule } from './scheduler.js';
import { openTraceSession, traceCells } from './trace-phase.js';
import { workloadCatalogue } from './workloads.js';

export interface RunHooks {
  onProgress?(progress: { round: number; turn: number; turns: number; workload: string; binding: string }): void;
  /** Host facts probed by the caller (perf), to include in the fingerprint. */
  hardwareCounters?: boolean;
  kvmPath?: string;
  /** The run folder's name, chosen before measuring so an unusable --out fails first. */
  runId?: string;
  /** The run folder, for trace captures (folder/trace/). */
  folder?: string;
  /**
   * Tracing failed after the measured rounds: the measurements are kept (and written by the
   * caller) with a warning saying so; this lets the caller exit non-zero.
   */
  onTraceFailure?(error: Error): void;
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runBenchmarks(options: RunOptions, hooks: RunHooks = {}): Promise<Results> {
  const startedAt = new Date();
  const runStartMs = performance.now();
  const catalogue = workloadCatalogue(options.cpuidK);
  const workloads = options.workloads
    .map((name) => catalogue.find((w) => w.name === name))
    .filter((w) => w !== undefined);
  const bindings: Binding[] = options.bindings.map((name) => getBinding(name));
  const cells: Cell[][] = [];
  let traceSession: TraceSession | undefined;
  const restorePinning = options.pin === undefined ? undefined : pinToCpu(options.pin);
  const kvms = new Map<string, Kvm>();
  const closeAll = () => {
    for (const row of cells) for (const cell of row) cell.close();
    for (const kvm of kvms.values()) kvm.close();
  };
  const unregister = registerCleanup(closeAll);
  let stopped = false;
  const stopListening = onInterrupt(() => {
    stopped = true;
  });
  try {
    if (options.trace) traceSession = openTraceSession(options.trace, () => cells);
    for (const binding of bindings) kvms.set(binding.name, Kvm.open(binding, hooks.kvmPath));
    for (const workload of workloads) {
      // cpuid-then-pio reads its K from rsi.
      const overrides = workload.name === 'cpuid-then-pio' ? { rsi: BigInt(options.cpuidK) } : {};
      cells.push(bindings.map((binding) => new Cell(workload, binding, kvms.get(binding.name) as Kvm, overrides)));
    }
    const completed = await runSchedule(
      cells,
      {
        rounds: options.rounds,
        timePerRoundMs: options.timePerRoundMs,
        warmupMs: options.warmupMs,
        onTurn({ round, turn, turns, cell }) {
          hooks.onProgress?.({ round, turn, turns, workload: cell.workload.name, binding: cell.binding.name });
          return !stopped;
        },
      },
      runStartMs,
    );
    let traces = new Map<Cell, CellTrace>();
    let traceFailure: string | undefined;
    if (completed && traceSession) {
      try {
        traces = await traceCells(traceSession, cells, hooks.folder, () => !stopped);
        if (stopped) traceFailure = 'tracing was interrupted: some cells have no trace';
      } catch (error) {
        traceFailure = `--trace ${traceSession.mode} failed after the measured rounds, so there are no traces: ${(error as Error).message}`;
        hooks.onTraceFailure?.(error as Error);
      }
    }
    const host = hostFingerprint(hooks.hardwareCounters);
    const measurements = cells.flatMap((row) => {
      const floor = row.find((cell) => cell.binding.name === 'c-loop');
      return row.map((cell) => {
        const measurement = measurementOf(cell, floor, host.tscHz);
        const trace = traces.get(cell);
        if (trace) measurement.trace = trace;
        return measurement;
      });
    });
    const warnings = warningsFor(measurements);
    if (!completed) warnings.unshift('the run was interrupted: these are the samples taken until then');
    if (traceFailure) warnings.unshift(traceFailure);
    if (host.pvm) {
      warnings.push(
        "KVM here runs through PVM (no hardware virtualisation): exit costs include PVM's own world switches",
      );
    }
    if (host.hardwareCounters === false)
      warnings.push(
        'hardware perf counters are not available on this host: times only, no cycle or instruction counts',
      );
    const finishedAt = new Date();
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'kvmbench', version: host.kvmbench },
      run: {
        id: hooks.runId ?? newRunId(startedAt),
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: Math.round(performance.now() - runStartMs),
        status: completed ? 'complete' : 'incomplete',
        command: process.argv.slice(2),
        options,
        ...(options.pin === undefined ? {} : { pinnedCpu: options.pin }),
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      },
      host,
      workloads: workloads.map(({ loop: _loop, ...info }) => info),
      bindings: bindings.map(({ name, description, version }) => ({ name, description, version })),
      measurements,
      warnings,
    };
  } finally {
    stopListening();
    unregister();
    closeAll();
    restorePinning?.();
    await traceSession?.close();
  }
}
