/**
 * Colors: one per binding, the same in every chart and table; a separate set for lifecycle steps
 * so a step is never mistaken for a binding. Mid-tone hues that read on light and dark backgrounds.
 */
import type { Results } from '../../results/types.js';
import { bindingOrder } from './model.js';

const BINDING_COLORS = [
  '#4e79a7', // blue
  '#f28e2b', // orange
  '#59a14f', // green
  '#e15759', // red
  '#b07aa1', // purple
  '#76b7b2', // teal
  '#edc948', // yellow
  '#9c755f', // brown
  '#ff9da7', // pink
  '#8c8c8c', // grey
] as const;

const STEP_COLORS = [
  '#8dd3c7',
  '#bebada',
  '#fb8072',
  '#80b1d3',
  '#fdb462',
  '#b3de69',
  '#fccde5',
  '#bc80bd',
  '#ccebc5',
  '#ffed6f',
] as const;

export type Palette = (binding: string) => string;

/** Colors by declared binding order, cycling past ten bindings; unknown names get grey. */
export function bindingPalette(results: Results): Palette {
  const order = bindingOrder(results);
  return (binding) => {
    const index = order.indexOf(binding);
    return index < 0 ? '#8c8c8c' : (BINDING_COLORS[index % BINDING_COLORS.length] as string);
  };
}

/**
 * Colors for a report against a baseline: this run's bindings keep the colors bindingPalette gives
 * them; bindings only the baseline measured follow, so a binding has one color in both runs.
 */
export function comparisonPalette(current: Results, baseline: Results): Palette {
  const order = bindingOrder(current);
  for (const name of bindingOrder(baseline)) if (!order.includes(name)) order.push(name);
  return (binding) => {
    const index = order.indexOf(binding);
    return index < 0 ? '#8c8c8c' : (BINDING_COLORS[index % BINDING_COLORS.length] as string);
  };
}

export function stepColor(index: number): string {
  return STEP_COLORS[index % STEP_COLORS.length] as string;
}
