/**
 * A fleet: results from several hosts side by side. Each host's results are kept whole and
 * untouched; nothing is pooled across hosts (a median of one host's turns and another's would
 * describe no machine). The fleet file is `fleet.json`; `kvmbench merge` also reads fleet files,
 * so fleets merge into larger fleets.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadResultsFile, validateResults } from '../results/read.js';
import type { HostFingerprint, Results } from '../results/types.js';

export const FLEET_FILE_NAME = 'fleet.json';
export const FLEET_KIND = 'kvmbench-fleet';
export const FLEET_VERSION = 1;

export interface FleetHost {
  /** Column heading: the hostname, made unique within the fleet. */
  label: string;
  /** Where each run was read from. */
  sources: string[];
  /**
   * The host's runs (a quick run and a sweep, say): one column, since no two of them measured the
   * same cell. Runs that did are given columns of their own.
   */
  runs: Results[];
}

export interface Fleet {
  kind: typeof FLEET_KIND;
  fleetVersion: typeof FLEET_VERSION;
  createdAt: string;
  hosts: FleetHost[];
}

function isFleetFile(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) return false;
    const head = readFileSync(path, 'utf8').slice(0, 200);
    return head.includes(`"${FLEET_KIND}"`);
  } catch {
    return false;
  }
}

function fleetPath(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) {
      const inside = join(path, FLEET_FILE_NAME);
      return isFleetFile(inside) ? inside : undefined;
    }
  } catch {
    return undefined;
  }
  return isFleetFile(path) ? path : undefined;
}

interface ReadRun {
  results: Results;
  source: string;
  label?: string;
}

function readFleet(path: string): ReadRun[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path}: not a readable fleet file (${(error as Error).message})`);
  }
  const fleet = raw as Partial<Fleet>;
  if (fleet.kind !== FLEET_KIND || fleet.fleetVersion !== FLEET_VERSION || !Array.isArray(fleet.hosts)) {
    throw new UsageError(
      `${path}: a fleet file must have kind '${FLEET_KIND}', fleetVersion ${FLEET_VERSION} and hosts`,
    );
  }
  return fleet.hosts.flatMap((host, i) =>
    (Array.isArray(host.runs) ? host.runs : []).map((run, j) => ({
      label: String(host.label),
      source: `${path} hosts[${i}].runs[${j}]`,
      results: validateResults(run, `${path} hosts[${i}].runs[${j}]`),
    })),
  );
}

/** Runs of one machine: same hostname, CPU and kernel. */
function hostKey(run: ReadRun): string {
  const host = run.results.host;
  return [run.label ?? host.hostname, host.cpuModel, host.kernel].join('\u0000');
}

const cellKeys = (results: Results) => results.measurements.map((m) => `${m.workload}\u0000${m.binding}`);

/** Groups runs per host; a run that measured a cell its host's column already has starts a column of its own. */
function groupByHost(runs: readonly ReadRun[]): ReadRun[][] {
  const groups: { key: string; cells: Set<string>; runs: ReadRun[] }[] = [];
  for (const run of runs) {
    const key = hostKey(run);
    const cells = cellKeys(run.results);
    const group = groups.find(
      (candidate) => candidate.key === key && cells.every((cell) => !candidate.cells.has(cell)),
    );
    if (group) {
      group.runs.push(run);
      for (const cell of cells) group.cells.add(cell);
    } else {
      groups.push({ key, cells: new Set(cells), runs: [run] });
    }
  }
  return groups.map((group) => group.runs);
}

/** One label per column: the hostname, with the first run id where a hostname has several columns. */
function labelHosts(groups: readonly ReadRun[][]): string[] {
  const names = groups.map((runs) => runs[0]?.label ?? runs[0]?.results.host.hostname ?? 'host');
  const seen = new Map<string, number>();
  for (const name of names) seen.set(name, (seen.get(name) ?? 0) + 1);
  const used = new Set<string>();
  return names.map((name, i) => {
    let label = (seen.get(name) ?? 0) > 1 ? `${name} (${groups[i]?.[0]?.results.run.id})` : name;
    for (let n = 2; used.has(label); n++) label = `${name} #${n}`;
    used.add(label);
    return label;
  });
}

/** Reads run folders, results files and fleet files into one fleet. Throws a UsageError naming a bad input. */
export function mergeRuns(paths: readonly string[], now = new Date()): Fleet {
  if (paths.length === 0) throw new UsageError('merge needs at least one run folder, results.json or fleet.json');
  const collected: ReadRun[] = [];
  for (const path of paths) {
    const fleet = fleetPath(path);
    if (fleet) collected.push(...readFleet(fleet));
    else collected.push({ results: loadResultsFile(path), source: path });
  }
  // The same run twice (same id, start and host) would count as two runs of its host.
  const firstSource = new Map<string, string>();
  for (const { results, source } of collected) {
    const key = `${results.run.id}\u0000${results.run.startedAt}\u0000${JSON.stringify(results.host)}`;
    const earlier = firstSource.get(key);
    if (earlier !== undefined) {
      throw new UsageError(`run ${results.run.id} is given twice (${earlier} and ${source}): name each run once`);
    }
    firstSource.set(key, source);
  }
  const groups = groupByHost(collected);
  const labels = labelHosts(groups);
  return {
    kind: FLEET_KIND,
    fleetVersion: FLEET_VERSION,
    createdAt: now.toISOString(),
    hosts: groups.map((runs, i) => ({
      label: labels[i] as string,
      sources: runs.map((run) => run.source),
      runs: runs.map((run) => run.results),
    })),
  };
}

/** The fingerprint rows shown side by side: [heading, value per host]. */
export function fingerprintRows(fleet: Fleet): [string, string[]][] {
  const field = (name: string, get: (host: HostFingerprint, results: Results) => unknown): [string, string[]] => [
    name,
    fleet.hosts.map((host) => {
      const values = [...new Set(host.runs.map((run) => get(run.host, run)))].filter(
        (v) => v !== undefined && v !== '',
      );
      return values.length === 0 ? '—' : values.map(String).join('; ');
    }),
  ];
  return [
    field('run', (_, r) => r.run.id),
    field('started', (_, r) => r.run.startedAt),
    field('command', (_, r) => `kvmbench ${r.run.command.join(' ')}`),
    field('CPU', (h) => h.cpuModel),
    field('CPUs', (h) => h.cpuCount),
    field('SMT', (h) => h.smt),
    field('kernel', (h) => h.kernel),
    field('virtualization', (h) => h.virtualization),
    field('PVM', (h) => h.pvm),
    field('nested', (h) => h.nested),
    field('host is a VM', (h) => h.hostIsVirtualMachine),
    field('hypervisor below', (h) => h.underlyingHypervisor),
    field('container', (h) => h.container),
    field('THP', (h) => h.transparentHugepages),
    field('governor', (h) => h.governor),
    field('TSC', (h) => (h.tscHz ? `${(h.tscHz / 1e9).toFixed(3)} GHz` : undefined)),
    field('hardware counters', (h) => h.hardwareCounters),
    field('Node', (h) => h.node),
    field('koffi', (h) => h.koffi),
    field('kvmbench', (h) => `${h.kvmbench}${h.gitRevision ? ` (${h.gitRevision})` : ''}`),
  ];
}

/** Every workload × binding that any host measured, in first-seen order. */
export function fleetCells(fleet: Fleet): { workload: string; binding: string }[] {
  const cells: { workload: string; binding: string }[] = [];
  const seen = new Set<string>();
  for (const host of fleet.hosts) {
    for (const m of host.runs.flatMap((run) => run.measurements)) {
      const key = `${m.workload}\u0000${m.binding}`;
      if (!seen.has(key)) {
        seen.add(key);
        cells.push({ workload: m.workload, binding: m.binding });
      }
    }
  }
  return cells;
}
