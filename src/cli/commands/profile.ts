/**
 * `kvmbench profile --clinic doctor|flame|bubbleprof [-- run options]`: Clinic.js around a
 * `kvmbench run`. Clinic sees the Node process: it lumps native time (koffi, the addon, the kernel)
 * into the JS caller, so for FFI frames use `run --trace perf-record` instead. Clinic is an optional
 * peer dependency (585 packages, unmaintained): it is found where Node would resolve it from here.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { execa } from 'execa';
import { newRunId } from '../../bench/runner.js';
import { HostError } from '../../errors.js';
import { prepareOutputDirectory } from '../../report/write.js';
import { registerCleanup } from '../../util/cleanup.js';
import { parseOne, parsePositiveInteger } from '../options.js';

const CLINIC_TOOLS = ['doctor', 'flame', 'bubbleprof'] as const;
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** Where kvmbench's own package.json is: `npm i -D clinic` is run there. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const MAX_TIMEOUT_S = 86_400;

/** The clinic executable of the installed clinic package; HostError (exit 1) saying how to add it. */
export function clinicBin(): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('clinic/package.json');
  } catch {
    throw new HostError(
      `clinic is not installed (it is an optional peer dependency): add it with \`npm i -D clinic\` in ${PACKAGE_ROOT}, then run kvmbench profile again`,
    );
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  const relative = typeof bin === 'string' ? bin : bin?.clinic;
  if (!relative) throw new HostError(`${manifest} names no clinic executable: reinstall it with \`npm i -D clinic\``);
  return join(dirname(manifest), relative);
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('profile a `kvmbench run` with Clinic.js (JS-level view; use run --trace perf-record for FFI frames)')
    .requiredOption('--clinic <tool>', `Clinic.js tool: ${CLINIC_TOOLS.join(', ')}`)
    .option('-o, --out <dir>', 'directory that receives the profile folder', 'results')
    .option('--timeout <s>', `stop the profiled run after this many seconds, 1 to ${MAX_TIMEOUT_S}`, '600')
    .argument('[run-options...]', 'options for the profiled `kvmbench run`, after -- (default: --quick)')
    .addHelpText(
      'after',
      `
Clinic.js is not installed with kvmbench: add it with \`npm i -D clinic\` in the kvmbench folder.
Without it the command exits 1 and says so.

Examples:
  kvmbench profile --clinic flame
  kvmbench profile --clinic doctor -- --workloads pio-out --bindings koffi,napi
  kvmbench profile --clinic bubbleprof --out /tmp/profiles --timeout 120 -- --quick`,
    )
    .action(async (runOptions: string[], options: { clinic: string; out: string; timeout: string }) => {
      // Check everything before the profile folder exists, so bad input leaves nothing behind.
      const tool = parseOne('--clinic', options.clinic, CLINIC_TOOLS);
      const timeoutS = parsePositiveInteger('--timeout', options.timeout, MAX_TIMEOUT_S);
      const clinic = clinicBin();
      const dest = join(prepareOutputDirectory(options.out), `${newRunId()}-clinic-${tool}`);
      mkdirSync(dest);
      const runArgs = runOptions.length ? runOptions : ['--quick'];
      const child = execa(
        clinic,
        [tool, '--open=false', '--dest', dest, '--', process.execPath, MAIN, 'run', '--out', dest, ...runArgs],
        {
          stdio: 'inherit',
          reject: false,
          timeout: timeoutS * 1000,
          // Without a TTY clinic would ask about its telemetry and wait forever.
          env: { NO_INSIGHT: '1' },
        },
      );
      const unregister = registerCleanup(() => child.kill('SIGKILL'));
      const result = await child;
      unregister();
      if (result.failed && result.exitCode === undefined) {
        throw new HostError(`clinic ${tool} failed: ${result.shortMessage}`);
      }
      process.stdout.write(`clinic ${tool}: profile in ${dest}\n`);
      process.exitCode = result.exitCode ?? 1;
    });
}
