/**
 * The folders of src/ import one way. Reads the TypeScript sources (type-only imports count: a type
 * is vocabulary, and vocabulary that two folders share must sit below both) and checks every import
 * between folders against the layers below. Fails on an import that is not allowed (an upward one,
 * such as results/ importing cli/) and on any folder cycle, of any length. The table is drawn in
 * docs/architecture.md ("Layers"); a test there checks the two agree.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs compiled, from dist/test: SOURCES is the TypeScript of src/.
const SOURCES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/**
 * Which folder may import which (a top-level file such as errors.ts is its own node). Bottom to top:
 *   util, version, abi      leaves: cleanup, errno, exit codes, the package version; the kernel's KVM numbers
 *   errors                  error kinds (util)
 *   results                 every type of the results schema; reading, validating and writing results files
 *   stats                   statistics: medians, quantiles, intervals, hypothesis tests (pure)
 *   bindings, runtimes      the bindings; the JavaScript runtimes that load them
 *   kvm                     one class per fd, one method per ioctl, over a binding
 *   guests                  guest images, booting them
 *   host                    facts about the host
 *   vmm                     vCPU threading designs: a vCPU on a worker, on a C thread, on the thread pool
 *   trace                   tracing sessions and what their captures say
 *   bench                   plan, measure, analyse, assemble Results
 *   format                  numbers, units and sentences for every reader
 *   doctor                  what this host can do: runs guests and probes tracing, so above bench and trace
 *   compare, report         read results; neither imports the other (report takes a Comparison)
 *   merge                   several hosts' results into one fleet report
 *   peers                   other VMMs (QEMU, kvmtool) run as processes; their rows added to a run's Results
 *   pipeline                the run from options to a written run folder: plan, probe, measure, peers, export
 *   cli                     the commands: parse, call one function, print
 *   index                   the library entry point: the pipeline for programs
 */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  version: [],
  abi: [],
  errors: ['util'],
  results: ['errors', 'util', 'version'],
  stats: ['results'],
  bindings: ['abi', 'errors', 'util'],
  runtimes: ['bindings', 'errors', 'util'],
  kvm: ['abi', 'bindings', 'errors', 'util'],
  guests: ['abi', 'kvm', 'bindings', 'errors', 'util'],
  host: ['results', 'guests', 'kvm', 'bindings', 'errors', 'util', 'version'],
  vmm: ['guests', 'kvm', 'bindings', 'abi', 'errors', 'util'],
  trace: ['results', 'stats', 'host', 'guests', 'kvm', 'bindings', 'abi', 'errors', 'util'],
  bench: [
    'vmm',
    'results',
    'stats',
    'trace',
    'host',
    'guests',
    'kvm',
    'runtimes',
    'bindings',
    'abi',
    'errors',
    'util',
    'version',
  ],
  format: ['results'],
  doctor: [
    'vmm',
    'bench',
    'trace',
    'host',
    'guests',
    'kvm',
    'runtimes',
    'bindings',
    'abi',
    'errors',
    'util',
    'version',
  ],
  compare: ['format', 'results', 'stats', 'errors', 'util'],
  report: ['format', 'results', 'stats', 'errors', 'util', 'version'],
  merge: ['report', 'format', 'results', 'stats', 'errors', 'util'],
  peers: ['bench', 'results', 'stats', 'guests', 'errors', 'util'],
  pipeline: [
    'peers',
    'report',
    'compare',
    'format',
    'bench',
    'trace',
    'host',
    'kvm',
    'results',
    'runtimes',
    'bindings',
    'errors',
    'util',
    'version',
  ],
  cli: [
    'pipeline',
    'doctor',
    'merge',
    'peers',
    'compare',
    'report',
    'format',
    'results',
    'stats',
    'bench',
    'vmm',
    'trace',
    'host',
    'guests',
    'kvm',
    'runtimes',
    'bindings',
    'abi',
    'errors',
    'util',
    'version',
  ],
  index: ['pipeline', 'compare', 'results', 'bench', 'runtimes'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The folder of src/ a file is in, or the file's own name for a top-level file. */
function layerOf(file: string): string {
  const parts = relative(SOURCES, file).split(sep);
  return parts.length === 1 ? (parts[0] as string).replace(/\.[jt]s$/, '') : (parts[0] as string);
}

// `import ... from`, `import type ... from`, `export ... from`, `import('...')` and a bare `import '...'`.
const IMPORT =
  /(?:^|[\n;])\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|[\n;])\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** "from -> to" for every relative import between two layers of the sources, with the files that make it. */
function layerEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SOURCES)) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      const from = layerOf(file);
      const to = layerOf(resolve(dirname(file), specifier));
      if (from === to) continue;
      const key = `${from} -> ${to}`;
      const files = edges.get(key) ?? new Set<string>();
      files.add(relative(SOURCES, file));
      edges.set(key, files);
    }
  }
  return edges;
}

/** A cycle in the graph, as "a -> b -> a", or undefined. */
function findCycle(edges: readonly string[]): string | undefined {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const [from, to] = edge.split(' -> ') as [string, string];
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node].join(' -> ');
    state.set(node, 'open');
    path.push(node);
    for (const target of next.get(node) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of next.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

test('src/ folders import only the layers below them (type imports included), and no folder cycle of any length', () => {
  const edges = layerEdges();
  assert.ok(edges.size > 0, `no imports found under ${SOURCES}`);
  const unknown = [...edges.keys()]
    .map((edge) => edge.split(' -> ')[0] as string)
    .filter((layer) => !(layer in ALLOWED));
  assert.deepEqual([...new Set(unknown)], [], 'a new folder in src/: give it a line in ALLOWED');

  const forbidden = [...edges]
    .filter(([edge]) => {
      const [from, to] = edge.split(' -> ') as [string, string];
      return !(ALLOWED[from] ?? []).includes(to);
    })
    .map(([edge, files]) => `${edge} (${[...files].join(', ')})`);
  assert.deepEqual(forbidden, [], 'imports against the layers (see ALLOWED)');

  const cycle = findCycle([...edges.keys()]);
  assert.equal(cycle, undefined, `import cycle between folders: ${cycle}`);
});

test('the layer table allows no cycle itself', () => {
  const edges = Object.entries(ALLOWED).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`));
  assert.equal(findCycle(edges), undefined);
});

test('docs/architecture.md draws the same layer table', () => {
  const docs = readFileSync(resolve(SOURCES, '..', 'docs', 'architecture.md'), 'utf8');
  const section = docs.slice(docs.indexOf('## Layers'));
  const drawn = new Map(
    [...section.matchAll(/^\| `([a-z]+)` \| ([^|]*) \|/gm)].map((row) => [
      row[1] as string,
      [...(row[2] as string).matchAll(/`([a-z]+)`/g)].map((name) => name[1] as string).sort(),
    ]),
  );
  assert.deepEqual(
    Object.fromEntries([...drawn].sort()),
    Object.fromEntries(
      Object.entries(ALLOWED)
        .map(([layer, tos]) => [layer, [...tos].sort()])
        .sort(),
    ),
    'docs/architecture.md "## Layers" and ALLOWED here differ: change both',
  );
});

test('the cycle finder finds a cycle of any length', () => {
  assert.equal(findCycle(['a -> b', 'b -> c']), undefined);
  assert.equal(findCycle(['a -> b', 'b -> c', 'c -> a']), 'a -> b -> c -> a');
  assert.equal(findCycle(['a -> b', 'b -> c', 'c -> d', 'd -> b']), 'b -> c -> d -> b');
});
