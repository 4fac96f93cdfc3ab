/** kvmbench command line: parses arguments, runs one command, maps errors to exit codes (loaded by main.ts). */
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { fitToWidth, terminalWidth } from '../format/wrap.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { KVMBENCH_VERSION } from '../version.js';
import { EXIT } from './exit-codes.js';
import { helpFormat } from './help-format.js';
import { rejectEmptyOptionValues } from './options.js';

const program = new Command('kvmbench')
  .description('Benchmark and trace Linux KVM from Node.js: VM lifecycle, exits and FFI strategies')
  .version(KVMBENCH_VERSION, '-V, --version')
  .showHelpAfterError('(run kvmbench --help for usage)')
  // Before the commands are added: each copies the help settings when it is created.
  .configureHelp({ ...helpFormat, helpWidth: terminalWidth() })
  // Help, examples and usage errors wrapped to the terminal (80 columns when it is not one).
  .configureOutput({
    writeOut: (text) => process.stdout.write(fitToWidth(text, terminalWidth())),
    writeErr: (text) => process.stderr.write(fitToWidth(text, terminalWidth(process.stderr))),
  })
  .exitOverride()
  .addHelpText(
    'after',
    `
Examples:
  kvmbench doctor                      what this host can do, and how to fix what it cannot
  kvmbench hello --binding koffi       the hello guest from the LWN kvmtest.c walk-through: prints 4, Hello
  kvmbench list                        workloads and bindings, one line each
  kvmbench run --quick                 measure every workload through every binding (about 10 s)
  kvmbench compare                     the run before the latest against the latest; exit 1 on a regression
  kvmbench <command> --help            each command's options and examples`,
  );

// Empty option values ('') are refused for every command, before it starts.
program.hook('preAction', (_program, command) => rejectEmptyOptionValues(command));

/**
 * Each command's module, loaded only when it is needed: a command brings its whole dependency graph
 * (KVM, tracing, the exporters, execa), and `kvmbench --version` or `kvmbench list` need none of the
 * others'. In help order.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  hello: async () => (await import('./commands/hello.js')).registerHello,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  list: async () => (await import('./commands/list.js')).registerList,
  run: async () => (await import('./commands/run.js')).registerRun,
  profile: async () => (await import('./commands/profile.js')).registerProfile,
  compare: async () => (await import('./commands/compare.js')).registerCompare,
  report: async () => (await import('./commands/report.js')).registerReport,
  calibrate: async () => (await import('./commands/calibrate.js')).registerCalibrate,
  merge: async () => (await import('./commands/merge.js')).registerMerge,
  export: async () => (await import('./commands/export.js')).registerExport,
};

/**
 * The commands to register: the one named, or all of them (the top-level help lists every command,
 * and an unknown name is answered with the known ones); none for --version alone.
 */
function commandsFor(args: readonly string[]): string[] {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return [];
  const named = args.find((arg) => !arg.startsWith('-'));
  return named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
}

for (const name of commandsFor(process.argv.slice(2))) {
  (await (COMMANDS[name] as () => Promise<(p: Command) => void>)())(program);
}
// A usage error names the help of the command it happened in.
for (const command of program.commands) {
  command.showHelpAfterError(`(run kvmbench ${command.name()} --help for usage)`);
}

/** Bad input is 2; everything else that stops a command (host, guest, system call) is 1. */
const exitCodeFor = (error: unknown): number => (error instanceof UsageError ? EXIT.usage : EXIT.failure);

// `kvmbench list | head` closes the pipe early: that is the reader's choice, not an error. After a
// SIGHUP the terminal is gone and writes to it fail with EIO: a run still writes its folder.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  if (error.code === 'EIO') return;
  throw error;
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EIO' || error.code === 'EPIPE') return;
  throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed help, the version or the usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    // Messages can quote what a file said (a name, a value): printed so it cannot drive the terminal.
    process.stderr.write(
      `${fitToWidth(`kvmbench: ${terminalSafe((error as Error).message)}`, terminalWidth(process.stderr))}\n`,
    );
    if (process.env.KVMBENCH_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
