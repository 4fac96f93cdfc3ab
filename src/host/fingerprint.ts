/** The host fingerprint stored in every result: what a reader needs to judge whether two runs compare. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { HostFingerprint } from '../results/types.js';
import { KVMBENCH_VERSION } from '../version.js';
import {
  cpuGovernor,
  cpuMicrocode,
  cpuModel,
  kernelRelease,
  kvmModules,
  readText,
  smtActive,
  transparentHugepages,
  tscHz,
  virtualization,
} from './facts.js';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function gitRevision(): string | undefined {
  if (!existsSync(`${ROOT}.git`)) return undefined;
  try {
    const revision = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${revision}-dirty` : revision;
  } catch {
    return undefined;
  }
}

function inContainer(): boolean {
  return existsSync('/.dockerenv') || /docker|containerd|kubepods|libpod/.test(readText('/proc/1/cgroup') ?? '');
}

export function hostFingerprint(hardwareCounters?: boolean): HostFingerprint {
  const v = virtualization();
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    hostname: hostname(),
    cpuModel: cpuModel(),
    ...optional('cpuMicrocode', cpuMicrocode()),
    cpuCount: cpus().length,
    ...optional('smt', smtActive()),
    ...optional('governor', cpuGovernor()),
    ...optional('transparentHugepages', transparentHugepages()),
    kernel: kernelRelease(),
    kvmModules: kvmModules(),
    hostIsVirtualMachine: v.hostIsVirtualMachine,
    ...optional('underlyingHypervisor', v.underlyingHypervisor),
    nested: v.nested,
    pvm: v.pvm,
    virtualization: v.description,
    ...optional('tscHz', tscHz()),
    ...optional('hardwareCounters', hardwareCounters),
    node: process.versions.node,
    v8: process.versions.v8,
    koffi: (require('koffi') as { version: string }).version,
    napi: process.versions.napi ?? 'unknown',
    kvmbench: KVMBENCH_VERSION,
    ...optional('gitRevision', gitRevision()),
    container: inContainer(),
  };
}
