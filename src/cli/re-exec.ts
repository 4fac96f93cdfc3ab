/** Runs this same command again in a child Node with extra flags, forwarding signals and the exit code. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { signalExitCode } from '../util/exit-codes.js';

const PERF_BASIC_PROF = '--perf-basic-prof';

export async function reExecWith(nodeFlags: string[]): Promise<number> {
  const flags = [...nodeFlags];
  const leftovers: string[] = [];
  if (flags.includes(PERF_BASIC_PROF)) {
    // --perf-basic-prof also starts V8's log, by default as isolate-*-v8.log in the working
    // directory: send it to a temporary file instead, removed with the child's /tmp/perf-<pid>.map.
    const log = join(tmpdir(), `kvmbench-v8-${process.pid}-${randomBytes(4).toString('hex')}.log`);
    flags.push(`--logfile=${log}`, '--no-logfile-per-isolate');
    leftovers.push(log);
  }
  const child = execa(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    reject: false,
  });
  if (flags.includes(PERF_BASIC_PROF) && child.pid !== undefined) leftovers.push(`/tmp/perf-${child.pid}.map`);
  // Ctrl-C reaches the child from the terminal itself; forwarding it too would count as a second one.
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    const result = await child;
    return result.exitCode ?? signalExitCode(result.signal as NodeJS.Signals | undefined);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
    // Only files named after this parent or its child: nothing another run made.
    for (const file of leftovers) rmSync(file, { force: true });
  }
}
