/**
 * Where and how the numbers were taken: the host fingerprint and the run's options. Exit costs
 * depend on CPU, microcode, kernel and virtualization layer, so a reader needs these beside them.
 */

import { formatDurationMs, formatHz, formatYesNo } from '../../../format/units.js';
import type { Results } from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import type { Palette } from '../palette.js';
import { bindingName, section } from './layout.js';

type Fact = [label: string, value: string | SafeHtml];

function factList(facts: Fact[]): SafeHtml {
  return html`<dl class="facts">${facts.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>`;
}

function hostFacts(results: Results): Fact[] {
  const { host, run } = results;
  const layer = host.hostIsVirtualMachine
    ? `guest of ${host.underlyingHypervisor ?? 'an unknown hypervisor'}`
    : 'bare metal';
  return [
    ['host', host.hostname],
    ['CPU', host.cpuModel],
    ['microcode', host.cpuMicrocode ?? 'unknown'],
    ['CPUs', String(host.cpuCount)],
    ['SMT', formatYesNo(host.smt)],
    ['governor', host.governor ?? 'unknown'],
    ['THP', host.transparentHugepages ?? 'unknown'],
    ['TSC', host.tscHz === undefined ? 'unknown' : formatHz(host.tscHz)],
    ['HW counters', formatYesNo(host.hardwareCounters)],
    ['kernel', host.kernel],
    ['virtualization', host.virtualization],
    ['host is', layer],
    ['nested', formatYesNo(host.nested)],
    ['PVM', formatYesNo(host.pvm)],
    ['container', formatYesNo(host.container)],
    ['pinned CPU', run.pinnedCpu === undefined ? 'not pinned' : String(run.pinnedCpu)],
  ];
}

function softwareFacts(results: Results): Fact[] {
  const { host } = results;
  return [
    ['kvmbench', host.kvmbench],
    ['git', host.gitRevision ? html`<code>${host.gitRevision}</code>` : 'unknown'],
    ['Node.js', host.node],
    ['V8', host.v8],
    ['koffi', host.koffi],
    ['N-API', host.napi],
  ];
}

function runFacts(results: Results): Fact[] {
  const { options, command } = results.run;
  return [
    ['command', html`<code>${command.join(' ')}</code>`],
    ['rounds', String(options.rounds)],
    ['per round', formatDurationMs(options.timePerRoundMs)],
    ['warm-up', formatDurationMs(options.warmupMs)],
    ['quick', options.quick ? 'yes' : 'no'],
    ['cpuid K', String(options.cpuidK)],
  ];
}

function kvmModules(results: Results): SafeHtml {
  const modules = Object.entries(results.host.kvmModules);
  if (modules.length === 0) return html``;
  const rows = modules.map(
    ([module, parameters]) =>
      html`<div><dt>${module}</dt><dd>${Object.entries(parameters).map(([name, value]) => html`<code class="param">${name}=${value}</code> `)}</dd></div>`,
  );
  return html`<details><summary>KVM module parameters</summary><dl class="facts facts-wide">${rows}</dl></details>`;
}

function bindingTable(results: Results, palette: Palette): SafeHtml {
  const rows = results.bindings.map(
    (binding) =>
      html`<tr><td>${bindingName(binding.name, palette(binding.name))}</td><td>${binding.version}</td><td>${binding.description}</td></tr>`,
  );
  return html`<table class="compact"><thead><tr><th>binding</th><th>version</th><th>what it is</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function environmentSection(results: Results, palette: Palette): SafeHtml {
  const body = html`<div class="cards"><div class="card"><h3>Host</h3>${factList(hostFacts(results))}${kvmModules(results)}</div><div class="card"><h3>Software</h3>${factList(softwareFacts(results))}<h3>Run</h3>${factList(runFacts(results))}<h3>Bindings</h3>${bindingTable(results, palette)}</div></div>`;
  return section('environment', 'Environment', '', body);
}
