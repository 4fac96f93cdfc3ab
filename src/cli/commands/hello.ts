/** `kvmbench hello`: the hello guest of the LWN kvmtest.c walk-through (https://lwn.net/Articles/658511/) through one binding; prints its serial output, then its exits. */
import type { Command } from 'commander';
import { getBinding } from '../../bindings/registry.js';
import { bootGuest } from '../../guests/boot.js';
import { loadGuest } from '../../guests/manifest.js';
import { runToHalt } from '../../guests/run-to-halt.js';
import { parseBindingName, printJson } from '../options.js';

export function registerHello(program: Command): void {
  program
    .command('hello')
    .description(
      'run the hello guest from the LWN kvmtest.c walk-through: it prints 4 and Hello on the serial port, then halts',
    )
    .option('-b, --binding <name>', 'c-loop, napi, koffi or koffi-variadic', parseBindingName, 'napi')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The guest is the one from the LWN kvmtest.c walk-through: 16-bit code that adds 2 + 2, writes the
sum and "Hello" to port 0x3f8, then halts.

Examples:
  kvmbench hello
  kvmbench hello --binding koffi
  kvmbench hello --binding c-loop --json`,
    )
    .action((options: { binding: string; json?: boolean }) => {
      const binding = getBinding(options.binding);
      const guest = loadGuest('hello');
      const booted = bootGuest(binding, guest);
      let result: ReturnType<typeof runToHalt>;
      try {
        result = runToHalt(guest, booted.vcpu);
      } finally {
        booted.close();
      }
      if (options.json) {
        printJson({ guest: guest.name, binding: binding.name, serial: result.serial, exits: result.exits });
        return;
      }
      process.stdout.write(result.serial);
      process.stdout.write(`\n${result.exits.length} exits through ${binding.name}:\n`);
      result.exits.forEach((exit, i) => {
        process.stdout.write(`  ${String(i + 1).padStart(3)}  ${exit.description}\n`);
      });
    });
}
