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
  const names = results.bindings.map((binding) => binding.name);
  for (const measurement of results.measurements) {
    if (!names.includes(measurement.binding)) names.push(measurement.binding);
  }
  return names;
}

/** Workload names in declared order, then any that only appear in measurements. */
export function workloadOrder(results: Results): string[] {
  const names = results.workloads.map((workload) => workload.name);
  for (const measurement of results.measurements) {
    if (!names.includes(measurement.workload)) names.push(measurement.workload);
  }
  return names;
}

/** One workload's measurements in binding order. */
export function cellsOf(results: Results, workload: string): Measurement[] {
  const order = bindingOrder(results);
  return results.measurements
    .filter((measurement) => measurement.workload === workload)
    .sort((a, b) => order.indexOf(a.binding) - order.indexOf(b.binding));
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
