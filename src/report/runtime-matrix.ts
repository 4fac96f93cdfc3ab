/**
 * The runtime x binding matrix of a --runtimes run, per workload: each runtime a row, each binding a
 * column (every runtime's own FFI in one column, "own FFI"), each cell the median with its overhead
 * over the floor measured in the same runtime; and the cheapest JS path of the workload. Shared by
 * the terminal and the HTML report, so both answer "which path is cheapest per exit, on which runtime".
 */

import { isFloorRow, splitRow } from '../results/rows.js';
import { hasStatistics, type Measurement, type Results } from '../results/types.js';

/** The bindings that are one runtime's own FFI: one column for all of them. */
const OWN_FFI = new Set(['node-ffi', 'bun-ffi', 'deno-ffi']);
export const OWN_FFI_COLUMN = 'own FFI';

export interface MatrixCell {
  row: string;
  binding: string;
  median?: number;
  /** The median ratio to the same runtime's floor, with its 95 % interval. */
  ratio?: number;
  ratioCi95?: [number, number];
  status: Measurement['status'];
}

export interface WorkloadMatrix {
  workload: string;
  runtimes: string[];
  columns: string[];
  /** cells[runtime][column], undefined where the runtime did not measure it. */
  cells: Map<string, Map<string, MatrixCell>>;
  /** The JS path with the lowest median (the floor aside), if any was measured. */
  cheapest?: MatrixCell;
}

const columnOf = (binding: string) => (OWN_FFI.has(binding) ? OWN_FFI_COLUMN : binding);

/** True when the run measured in more than one runtime. */
export const hasRuntimeMatrix = (results: Results): boolean => (results.host.runtimes?.length ?? 0) > 1;

export function runtimeMatrices(results: Results): WorkloadMatrix[] {
  if (!hasRuntimeMatrix(results)) return [];
  const floor = results.floor ?? 'c-loop';
  const runtimes = (results.host.runtimes ?? []).map((runtime) => runtime.name);
  const workloads = [...new Set(results.measurements.map((m) => m.workload))];
  return workloads.map((workload) => {
    const cells = new Map<string, Map<string, MatrixCell>>();
    const columns: string[] = [];
    let cheapest: MatrixCell | undefined;
    for (const m of results.measurements.filter((cell) => cell.workload === workload)) {
      const { runtime, binding } = splitRow(m.binding);
      const column = columnOf(binding);
      if (!columns.includes(column)) columns.push(column);
      const measured = hasStatistics(m) && m.stats !== undefined;
      const cell: MatrixCell = {
        row: m.binding,
        binding,
        status: m.status,
        ...(measured ? { median: m.stats?.median } : {}),
        ...(m.overheadVsFloor ? { ratio: m.overheadVsFloor.ratio, ratioCi95: m.overheadVsFloor.ratioCi95 } : {}),
      };
      if (!cells.has(runtime)) cells.set(runtime, new Map());
      cells.get(runtime)?.set(column, cell);
      if (
        m.status === 'ok' &&
        cell.median !== undefined &&
        !isFloorRow(m.binding, floor) &&
        (cheapest?.median === undefined || cell.median < cheapest.median)
      ) {
        cheapest = cell;
      }
    }
    // The floor first, the runtimes' own FFIs last.
    columns.sort((a, b) => rank(a, floor) - rank(b, floor));
    return {
      workload,
      runtimes: runtimes.filter((r) => cells.has(r)),
      columns,
      cells,
      ...(cheapest ? { cheapest } : {}),
    };
  });
}

function rank(column: string, floor: string): number {
  if (column === floor) return 0;
  if (column === OWN_FFI_COLUMN) return 2;
  return 1;
}
