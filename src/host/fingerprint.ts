/** The host fingerprint stored in every result: what a reader needs to judge whether two runs compare. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { HostFingerprint } from '../results/types.js';
import { runningInContainer } from '../util/device-access.js';
import { currentRuntime } from '../util/runtime.js';
import { KVMBENCH_VERSION } from '../version.js';
import {
  cpuGovernor,
  cpuMicrocode,
  cpuModel,
  kernelRelease,
  kvmModules,
  smtActive,
  transparentHugepages,
  tscHz,
  virtualization,
} from './facts.js';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Set from the image's GIT_REVISION build arg: a container has the build, not the .git folder. */
export const GIT_REVISION_ENV = 'KVMBENCH_GIT_REVISION';

/** A short or full hex revision, optionally "-dirty"; anything else in the variable is ignored. */
export function revisionFromEnv(value: string | undefined): string | undefined {
  const revision = value?.trim();
  return revision && /^[0-9a-f]{7,40}(-dirty)?$/.test(revision) ? revision : undefined;
}

function gitRevision(): string | undefined {
  if (!existsSync(`${ROOT}.git`)) return revisionFromEnv(process.env[GIT_REVISION_ENV]);
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
    container: runningInContainer(),
    runtime: currentRuntime(),
  };
}
