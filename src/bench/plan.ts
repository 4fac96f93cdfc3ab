/**
 * Options -> Plan: which cells run (workload x binding), in which order, on what guest with which
 * registers, and which binding is the floor the others are measured against. Pure apart from
 * reading the guest manifest; the plan is all that measuring needs to know.
 */
import { BINDING_NAMES, type BindingName } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { type Guest, loadGuest } from '../guests/manifest.js';
import type { RegisterName } from '../kvm/structs.js';
import { rowName } from '../results/rows.js';
import { pointOfName } from '../results/sweep-points.js';
import type { RunOptions } from '../results/types.js';
import { OWN_RUNTIME } from '../runtimes/bindings.js';
import { HOST_RUNTIME, type Runtime, type RuntimeName } from '../runtimes/discover.js';
import { pointWorkload } from './sweeps/points.js';
import { type Workload, workloadCatalogue } from './workloads.js';

/** The binding every other is compared with: the whole loop in C. */
export const FLOOR_BINDING: BindingName = 'c-loop';

/** A cell whose workload asks for a JIT warm-up, through a JS binding (the floor's loops are C: nothing for V8). */
export const takesJitWarmup = (cell: PlannedCell): boolean =>
  cell.workload.jitWarmupIterations !== undefined && cell.binding !== FLOOR_BINDING;

export interface PlannedCell {
  /** Position in Plan.cells: the cell's identity from here to the results. */
  index: number;
  workload: Workload;
  binding: BindingName;
  /** The runtime that measures it ('node': the Node running kvmbench). */
  runtime: RuntimeName;
  /** Its name in the results: the binding, prefixed by its runtime unless that is kvmbench's Node (src/results/rows.ts). */
  row: string;
  /** The guest it boots, with the workload's register values ('' guest: none). */
  guest: Guest | undefined;
  /** `--inject-delay-ns` of its binding: ns of busy wait after every KVM_RUN of its exit loop. */
  injectDelayNs?: number;
}

/** A cell measured in this process's runtime under the binding's plain name (probes, tests). */
export const hereCell = (fields: Omit<PlannedCell, 'runtime' | 'row'>): PlannedCell => ({
  ...fields,
  runtime: HOST_RUNTIME,
  row: fields.binding,
});

export interface Plan {
  options: RunOptions;
  workloads: Workload[];
  bindings: BindingName[];
  /** --runtimes: each runtime with the bindings it measures (absent: this process's runtime only). */
  runtimes?: PlannedRuntime[];
  /** The floor binding when it is part of the run. */
  floor: BindingName | undefined;
  /** Every cell, workload-major: cells of one workload are adjacent, in binding order. */
  cells: PlannedCell[];
}

/** The registers a workload sets in its guest: K for guests whose manifest names a register for it. */
function guestRegisters(workload: Workload, guest: Guest): Partial<Record<RegisterName, bigint>> {
  const register =
    guest.exits.kind === 'pio-out'
      ? (guest.exits.inKernelExitsRegister ?? guest.exits.writes?.countRegister)
      : undefined;
  // An interrupt workload's in-kernel exits (its handler's EOI, its HLT) are fixed by the guest's code.
  if (workload.inKernelExitsPerIteration > 0 && workload.interrupt === undefined) {
    if (!register) {
      throw new Error(
        `workload '${workload.name}' makes in-kernel exits but guest '${guest.name}' names no exits.inKernelExitsRegister`,
      );
    }
    const datamatch = workload.ioEventFd?.datamatch;
    const data = guest.exits.kind === 'pio-out' ? guest.exits.writes?.dataRegister : undefined;
    if (datamatch !== undefined && !data) {
      throw new Error(
        `workload '${workload.name}' matches one value but guest '${guest.name}' names no exits.writes.dataRegister`,
      );
    }
    // With datamatch the guest writes that value throughout: the first value, and a step of 0.
    return {
      [register]: BigInt(workload.inKernelExitsPerIteration),
      ...(data && datamatch !== undefined ? { [data]: BigInt(datamatch) } : {}),
    };
  }
  return {};
}

function plannedGuest(workload: Workload): Guest | undefined {
  if (workload.guest === '') return undefined;
  const guest = loadGuest(workload.guest);
  if (workload.loop === 'sweep') return guest; // its runner drives the guest (src/bench/sweeps/runners.ts)
  const expectedProtocol = workload.loop === 'lifecycle' ? 'serial' : workload.loop;
  if (workload.loop !== 'immediate-exit' && guest.exits.kind !== expectedProtocol) {
    throw new Error(
      `workload '${workload.name}' drives a ${workload.loop} loop but guest '${guest.name}' exits by ${guest.exits.kind}`,
    );
  }
  const registers = guestRegisters(workload, guest);
  return Object.keys(registers).length ? loadGuest(workload.guest, registers) : guest;
}

export interface PlannedRuntime {
  runtime: Runtime;
  bindings: BindingName[];
}

/**
 * The bindings each runtime measures: the asked ones it can run (all it can by default). A binding
 * no runtime of the run can measure is an error that names the runtime it needs.
 */
export function bindingsPerRuntime(
  runtimes: readonly Runtime[],
  asked: readonly BindingName[] | undefined,
): PlannedRuntime[] {
  for (const binding of asked ?? []) {
    if (!runtimes.some((runtime) => runtime.bindings.includes(binding))) {
      const own = OWN_RUNTIME[binding];
      throw new UsageError(
        `--bindings ${binding}: no runtime of this run can measure it (${runtimes.map((r) => `${r.name} ${r.version}`).join(', ')})` +
          (own ? `: it runs under ${own}` : ''),
      );
    }
  }
  return runtimes.map((runtime) => ({
    runtime,
    bindings: asked ? runtime.bindings.filter((binding) => asked.includes(binding)) : [...runtime.bindings],
  }));
}

export function planRun(options: RunOptions, runtimes?: readonly Runtime[]): Plan {
  const catalogue = workloadCatalogue(options.cpuidK);
  const workloads = options.workloads.map((name) => {
    const workload =
      catalogue.find((candidate) => candidate.name === name) ?? (pointOfName(name) && pointWorkload(name));
    if (!workload) throw new Error(`no workload named '${name}'`);
    return workload;
  });
  const bindings = options.bindings.map((name) => {
    if (!(BINDING_NAMES as readonly string[]).includes(name)) throw new Error(`no binding named '${name}'`);
    return name as BindingName;
  });
  const perRuntime = runtimes ? bindingsPerRuntime(runtimes, bindings) : undefined;
  const lanes = perRuntime?.map((p) => ({ runtime: p.runtime.name, bindings: p.bindings })) ?? [
    { runtime: HOST_RUNTIME, bindings },
  ];
  const cells: PlannedCell[] = [];
  for (const workload of workloads) {
    const guest = plannedGuest(workload);
    for (const { runtime, bindings: measured } of lanes) {
      for (const binding of measured) {
        if (workload.bindings && !workload.bindings.includes(binding)) continue;
        const delay = options.injectDelayNs?.[binding];
        const row = rowName(runtime, binding);
        cells.push({
          index: cells.length,
          workload,
          binding,
          runtime,
          row,
          guest,
          ...(delay ? { injectDelayNs: delay } : {}),
        });
      }
    }
  }
  return {
    options,
    workloads,
    bindings,
    ...(perRuntime ? { runtimes: perRuntime } : {}),
    floor: bindings.includes(FLOOR_BINDING) ? FLOOR_BINDING : undefined,
    cells,
  };
}

/** The plan's cells grouped by workload, for the interleaved rounds. */
export function cellsByWorkload(plan: Plan): PlannedCell[][] {
  return plan.workloads.map((workload) => plan.cells.filter((cell) => cell.workload === workload));
}
