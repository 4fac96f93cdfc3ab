/** The page header: what run this is, whether it finished, and the binding colors used throughout. */

import { formatBytes, formatDurationMs, formatTimestamp } from '../../../format/units.js';
import type { Results } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import { bindingOrder } from '../model.js';
import type { Palette } from '../palette.js';
import { bindingName } from './layout.js';

export function reportHeader(results: Results, palette: Palette): SafeHtml {
  const { run, tool } = results;
  const complete = run.status === 'complete';
  const banner = complete
    ? ''
    : html`<div class="banner-incomplete" role="alert"><strong>INCOMPLETE run</strong> — it was interrupted; the report shows what was measured until then. Cells that never ran are missing or marked.</div>`;
  const facts: Array<[string, SafeHtml | string]> = [
    ['run', html`<code>${run.id}</code>`],
    ['started', formatTimestamp(run.startedAt)],
    [
      'status',
      html`<span class="status status-${complete ? 'ok' : 'failed'}">${complete ? 'complete' : 'INCOMPLETE'}</span>`,
    ],
    ['tool', `${tool.name} ${tool.version}`],
    ['duration', formatDurationMs(run.durationMs)],
    ['peak RSS', formatBytes(run.peakRssBytes)],
  ];
  const legend = bindingOrder(results).map((name) => bindingName(name, palette(name)));
  return html`<header><h1>kvmbench report</h1><dl class="run-facts">${facts.map(([key, value]) => html`<div><dt>${key}</dt><dd>${value}</dd></div>`)}</dl>${banner}<div class="legend-bar"><span class="muted">bindings</span>${legend}</div></header>`;
}
