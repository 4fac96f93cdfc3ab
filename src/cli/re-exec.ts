/** Runs this same command again in a child Node with extra flags, forwarding signals and the exit code. */
import { execa } from 'execa';
import { signalExitCode } from '../util/exit-codes.js';

export async function reExecWith(nodeFlags: string[]): Promise<number> {
  const child = execa(process.execPath, [...nodeFlags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    reject: false,
  });
  // Ctrl-C reaches the child from the terminal itself; forwarding it too would count as a second one.
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  try {
    const result = await child;
    return result.exitCode ?? signalExitCode(result.signal as NodeJS.Signals | undefined);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
  }
}
