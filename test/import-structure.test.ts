/**
 * The folders of src/ import one way. Reads the compiled import specifiers of dist/src (type-only
 * imports are gone there: they cost nothing at run time) and checks them against the layers below.
 * Fails on an import that is not allowed (an upward one, such as results/ importing cli/) and on any
 * cycle between folders.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs compiled, from dist/test: SRC is dist/src, SOURCES the TypeScript it came from.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const SOURCES = resolve(SRC, '..', '..', 'src');

/**
 * Which folder may import which (a top-level file such as errors.ts is its own node). Bottom to top:
 *   util, version           leaves: cleanup, errno, exit codes, the package version
 *   errors                  error kinds (util)
 *   abi                     the kernel's KVM numbers and struct layouts (checked against <linux/kvm.h>)
 *   bindings                the four bindings
 *   kvm                     one class per fd, one method per ioctl, over a binding
 *   guests                  guest images, booting them
 *   results                 the results schema and its types, reading, validating and writing results files
 *   host, trace             facts about the host; tracing sessions
 *   bench                   plan, measure, analyse, assemble Results
 *   format                  numbers, units and sentences for every reader
 *   doctor                  what this host can do: runs guests and probes tracing, so above bench and trace
 *   compare, report         read results; neither imports the other (report takes a Comparison)
 *   merge                   several hosts' results into one fleet report
 *   peers                   other VMMs (QEMU, kvmtool) run as processes; their rows added to a run's Results
 *   cli                     the commands: may import everything
 */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  version: [],
  errors: ['util'],
  abi: [],
  bindings: ['abi', 'errors', 'util'],
  runtimes: ['bindings', 'errors', 'util'],
  kvm: ['abi', 'bindings', 'errors', 'util'],
  guests: ['abi', 'kvm', 'bindings', 'errors', 'util'],
  host: ['guests', 'kvm', 'bindings', 'errors', 'util', 'version'],
  trace: ['abi', 'results', 'host', 'guests', 'kvm', 'bindings', 'errors', 'util'],
  bench: ['abi', 'results', 'trace', 'host', 'guests', 'kvm', 'runtimes', 'bindings', 'errors', 'util', 'version'],
  doctor: ['abi', 'bench', 'trace', 'host', 'guests', 'kvm', 'runtimes', 'bindings', 'errors', 'util', 'version'],
  results: ['errors', 'util', 'version'],
  format: ['results'],
  compare: ['format', 'results', 'bench', 'errors', 'util'],
  report: ['format', 'results', 'bench', 'trace', 'errors', 'util', 'version'],
  merge: ['report', 'format', 'results', 'bench', 'errors', 'util'],
  peers: ['bench', 'results', 'guests', 'errors', 'util'],
  // The library entry point (src/index.ts): the pipeline the CLI runs, for programs.
  index: ['cli', 'compare', 'results', 'bench', 'runtimes'],
  cli: [
    'doctor',
    'merge',
    'peers',
    'compare',
    'report',
    'format',
    'results',
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
};

function compiledFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return compiledFiles(path);
    // A compiled file whose source was deleted or moved is stale: it is not part of the program.
    const source = join(SOURCES, relative(SRC, path)).replace(/\.js$/, '.ts');
    return entry.name.endsWith('.js') && existsSync(source) ? [path] : [];
  });
}

/** The folder of src/ a file is in, or the file's own name for a top-level file. */
function layerOf(file: string, base = SRC): string {
  const parts = relative(base, file).split(sep);
  return parts.length === 1 ? (parts[0] as string).replace(/\.[jt]s$/, '') : (parts[0] as string);
}

const IMPORT =
  /(?:^|[\n;])\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|[\n;])\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * "from -> to" for every relative import between two layers, with the files that make it: in the
 * compiled files (what runs), or with `sources` in the TypeScript (type-only imports included).
 */
function layerEdges(sources = false): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const files = compiledFiles(SRC).map((file) =>
    sources ? join(SOURCES, relative(SRC, file)).replace(/\.js$/, '.ts') : file,
  );
  const base = sources ? SOURCES : SRC;
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      const from = layerOf(file, base);
      const to = layerOf(resolve(dirname(file), specifier), base);
      if (from === to) continue;
      const key = `${from} -> ${to}`;
      const files = edges.get(key) ?? new Set<string>();
      files.add(relative(base, file));
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

test('src/ folders import only the layers below them, and no folders import each other', () => {
  const edges = layerEdges();
  assert.ok(edges.size > 0, `no imports found under ${SRC}: is it built?`);
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

test('no two folders import each other, counting type-only imports too', () => {
  const edges = layerEdges(true);
  assert.ok(edges.size > 0, `no imports found under ${SOURCES}`);
  const mutual = [...edges.keys()].filter((edge) => {
    const [from, to] = edge.split(' -> ') as [string, string];
    return from < to && edges.has(`${to} -> ${from}`);
  });
  assert.deepEqual(mutual, [], 'folders that import each other (see the files in layerEdges(true))');
});

test('the cycle finder finds a cycle', () => {
  assert.equal(findCycle(['a -> b', 'b -> c']), undefined);
  assert.equal(findCycle(['a -> b', 'b -> c', 'c -> a']), 'a -> b -> c -> a');
});
