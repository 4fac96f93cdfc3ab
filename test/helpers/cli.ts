/** Runs the real kvmbench CLI as a child process. */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Tables as wide as they come (tests of the layout set COLUMNS themselves): what a wide terminal shows. */
const WIDE = { COLUMNS: '100000' };

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function kvmbench(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), COLUMNS: options.env?.COLUMNS ?? WIDE.COLUMNS },
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The same, without blocking other tests while it runs. The limit is generous: inside the emulated
 * KVM sandbox a Node start-up alone can take seconds.
 */
export function kvmbenchAsync(args: string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { encoding: 'utf8', timeout: options.timeoutMs ?? 300_000, env: { ...process.env, ...WIDE } },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** The run folders in an --out directory (not the `latest` pointer), oldest first. */
export function runFolders(out: string): string[] {
  return readdirSync(out)
    .filter((name) => /^\d{8}T\d{6}Z-[0-9a-f]+$/.test(name))
    .sort();
}
