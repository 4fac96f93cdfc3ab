/** Read-only views of the results object that several report sections share. */
import { hasStatistics, type Measurement, type Results } from '../../results/types.js';

/** The binding every overhead is measured against, when a results file does not name it (schema 1). */
export const FLOOR_BINDING = 'c-loop';

/** The floor binding the results name (schema 2's top-level `floor`), else the C loop. */
export function floorBinding(results: Results): string {
  const named = (results as Results & { floor?: unknown }).floor;
  return typeof named === 'string' && named !== '' ? named : FLOOR_BINDING;
}

/** Binding names in the order the run declared them, then any that only appear in measurements. */
export function bindingOrder(results: Results): string[] {
  return [...indexOf(results).bindings];
}

/** Workload names in declared order, then any that only appear in measurements. */
export function workloadOrder(results: Results): string[] {
  return [...indexOf(results).workloads];
}

/** One workload's measurements in binding order. */
export function cellsOf(results: Results, workload: string): Measurement[] {
  return [...(indexOf(results).cells.get(workload) ?? [])];
}

/**
 * The orders and each workload's cells, made once per results object: the sections ask for them per
 * workload, and a scan of every measurement per question made a 100,000-cell report quadratic.
 */
interface ResultsIndex {
  bindings: string[];
  workloads: string[];
  cells: Map<string, Measurement[]>;
}

const indexes = new WeakMap<Results, ResultsIndex>();

function indexOf(results: Results): ResultsIndex {
  let index = indexes.get(results);
  if (index) return index;
  const bindings = new Set(results.bindings.map((binding) => binding.name));
  const workloads = new Set(results.workloads.map((workload) => workload.name));
  const cells = new Map<string, Measurement[]>();
  for (const measurement of results.measurements) {
    bindings.add(measurement.binding);
    workloads.add(measurement.workload);
    let list = cells.get(measurement.workload);
    if (!list) {
      list = [];
      cells.set(measurement.workload, list);
    }
    list.push(measurement);
  }
  const rank = new Map([...bindings].map((name, i) => [name, i]));
  for (const list of cells.values()) list.sort((a, b) => (rank.get(a.binding) ?? 0) - (rank.get(b.binding) ?? 0));
  index = { bindings: [...bindings], workloads: [...workloads], cells };
  indexes.set(results, index);
  return index;
}

/** A measurement that has samples and statistics to draw. */
export type MeasuredCell = Measurement & { stats: NonNullable<Measurement['stats']> };

export function isMeasured(measurement: Measurement): measurement is MeasuredCell {
  return hasStatistics(measurement);
}

/** A stable, attribute-safe id fragment for anchors (the visible name is escaped separately). */
export function anchorId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
