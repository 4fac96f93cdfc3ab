/**
 * The chart sections: per-workload distributions and medians, lifecycle steps, overhead against
 * the floor, and run order. Each section decides which workloads it applies to and captions its charts.
 */

import { formatNs, formatNsInterval } from '../../../format/units.js';
import type { Results } from '../../../results/types.js';
import { distributionChart } from '../charts/distribution.js';
import { lifecycleChart, stepOrder } from '../charts/lifecycle.js';
import { mediansChart } from '../charts/medians.js';
import { overheadChart } from '../charts/overhead.js';
import { runOrderChart } from '../charts/run-order.js';
import { html, type SafeHtml } from '../escape.js';
import { anchorId, cellsOf, floorBinding, isMeasured, workloadOrder } from '../model.js';
import type { Palette } from '../palette.js';
import { bindingName, figure, section } from './layout.js';

function workloadsWithData(results: Results): string[] {
  return workloadOrder(results).filter((workload) => cellsOf(results, workload).some(isMeasured));
}

function workloadCard(results: Results, workload: string, palette: Palette): SafeHtml {
  const cells = cellsOf(results, workload);
  const info = results.workloads.find((candidate) => candidate.name === workload);
  const facts = info
    ? html`<span class="tag">${info.kind}</span> ${info.description}<span class="muted"> · guest ${info.guest || 'none'} · ${info.userspaceExitsPerIteration} userspace + ${info.inKernelExitsPerIteration} in-kernel exits per iteration</span>`
    : '';
  return html`<article class="card workload" id="${anchorId('workload', workload)}"><h3><code>${workload}</code></h3><p class="workload-facts">${facts}</p><div class="chart-pair">${figure('Distribution: box = quartiles, line = median, whiskers = p1–p99, dots = samples', distributionChart(workload, cells, palette))}${figure('Median per binding with its 95 % CI (zoomed axis)', mediansChart(workload, cells, palette))}</div></article>`;
}

export function workloadsSection(results: Results, palette: Palette): SafeHtml {
  const cards = workloadsWithData(results).map((workload) => workloadCard(results, workload, palette));
  return section('workloads', 'Workloads', '', cards);
}

function stepTable(results: Results, workload: string, palette: Palette): SafeHtml {
  const cells = cellsOf(results, workload).filter((cell) => cell.steps && cell.steps.length > 0);
  const head = html`<tr><th scope="col">step</th>${cells.map((cell) => html`<th scope="col" class="num">${bindingName(cell.binding, palette(cell.binding))}</th>`)}</tr>`;
  const rows = stepOrder(cells).map((step) => {
    const values = cells.map((cell) => {
      const stats = cell.steps?.find((candidate) => candidate.name === step)?.stats;
      if (!stats) return html`<td class="muted num">—</td>`;
      return html`<td class="num">${formatNs(stats.median)}<span class="sub">${formatNsInterval(stats.medianCi95[0], stats.medianCi95[1])}</span></td>`;
    });
    return html`<tr><th scope="row"><code>${step}</code></th>${values}</tr>`;
  });
  return html`<details><summary>Step medians with 95 % CI</summary><div class="table-scroll"><table class="compact steps"><thead>${head}</thead><tbody>${rows}</tbody></table></div></details>`;
}

export function lifecycleSection(results: Results, palette: Palette): SafeHtml {
  const workloads = workloadOrder(results).filter((workload) =>
    cellsOf(results, workload).some((cell) => (cell.steps?.length ?? 0) > 0),
  );
  if (workloads.length === 0) return html``;
  const cards = workloads.map(
    (workload) =>
      html`<div class="card">${figure(html`<code>${workload}</code>: median of each step, stacked; the thick tick marks the median of the whole lifecycle`, lifecycleChart(workload, cellsOf(results, workload), palette))}${stepTable(results, workload, palette)}</div>`,
  );
  return section('lifecycle', 'Lifecycle steps', '', cards);
}

export function overheadSection(results: Results, palette: Palette): SafeHtml {
  const floor = floorBinding(results);
  const workloads = workloadsWithData(results).filter((workload) =>
    cellsOf(results, workload).some((cell) => cell.binding !== floor),
  );
  const figures = workloads.map((workload) =>
    figure(html`<code>${workload}</code>`, overheadChart(workload, cellsOf(results, workload), palette)),
  );
  const intro = `How much slower each binding's median is than ${floor}'s, the same loop written in C: the cost of crossing from JavaScript into the kernel and back. Bars start at 1×; whiskers are 95 % intervals over pairs of turns measured in the same round.`;
  return section('overhead', `Overhead against ${floor}`, intro, html`<div class="grid">${figures}</div>`);
}

export function runOrderSection(results: Results, palette: Palette): SafeHtml {
  const figures = workloadsWithData(results).map((workload) =>
    figure(html`<code>${workload}</code>`, runOrderChart(workload, cellsOf(results, workload), palette)),
  );
  const intro =
    'Every sample at the time it was taken; shaded bands are rounds. A slope or a step between rounds means drift (frequency, temperature, other load), which the medians above average away.';
  return section('run-order', 'Run order', intro, html`<div class="grid">${figures}</div>`);
}
