/**
 * `kvmbench profile --clinic doctor|flame|bubbleprof [-- run options]`: Clinic.js around a
 * `kvmbench run`. Clinic sees the Node process: it lumps native time (koffi, the addon, the kernel)
 * into the JS caller, so for FFI frames use `run --trace perf-record` instead.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { execa } from 'execa';
import { newRunId } from '../../bench/runner.js';
import { HostError } from '../../errors.js';
import { prepareOutputDirectory } from '../../report/write.js';
import { registerCleanup } from '../../util/cleanup.js';
import { parseOne, parsePositiveInteger } from '../options.js';

const CLINIC_TOOLS = ['doctor', 'flame', 'bubbleprof'] as const;
const CLINIC_BIN = fileURLToPath(new URL('../../../../node_modules/.bin/clinic', import.meta.url));
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('profile a `kvmbench run` with Clinic.js (JS-level view; use run --trace perf-record for FFI frames)')
    .requiredOption('--clinic <tool>', `Clinic.js tool: ${CLINIC_TOOLS.join(', ')}`)
    .option('-o, --out <dir>', 'directory that receives the profile folder', 'results')
    .option('--timeout <s>', 'stop the profiled run after this many seconds', '600')
    .argument('[run-options...]', 'options for the profiled `kvmbench run` (after --), default --quick')
    .action(async (runOptions: string[], options: { clinic: string; out: string; timeout: string }) => {
      const tool = parseOne('--clinic', options.clinic, CLINIC_TOOLS);
      const timeoutMs = parsePositiveInteger('--timeout', options.timeout, 86_400) * 1000;
      const dest = join(prepareOutputDirectory(options.out), `${newRunId()}-clinic-${tool}`);
      mkdirSync(dest);
      const runArgs = runOptions.length ? runOptions : ['--quick'];
      const child = execa(
        CLINIC_BIN,
        [tool, '--open=false', '--dest', dest, '--', process.execPath, MAIN, 'run', '--out', dest, ...runArgs],
        {
          stdio: 'inherit',
          reject: false,
          timeout: timeoutMs,
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
