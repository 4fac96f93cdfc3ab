/** `kvmbench doctor`: prints what the host can do for kvmbench; exit 1 when KVM is unusable. */
import type { Command } from 'commander';
import { getBinding } from '../../bindings/registry.js';
import type { Binding } from '../../bindings/types.js';
import { type CheckStatus, runDoctor } from '../../doctor/doctor.js';
import { terminalWidth, wrapText } from '../../format/wrap.js';
import { DEFAULT_KVM_PATH } from '../../kvm/system.js';
import { EXIT } from '../exit-codes.js';
import { printJson } from '../options.js';

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', info: 'info' };

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check /dev/kvm, capabilities, virtualisation, tracefs, perf and versions')
    .option('--kvm <path>', 'the KVM device', DEFAULT_KVM_PATH)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Exit codes:
  0  kvmbench can run here (warnings say what is missing for tracing or counters)
  1  at least one FAIL: each says how to fix it

Examples:
  kvmbench doctor
  kvmbench doctor --kvm /dev/kvm-test
  kvmbench doctor --json | jq '.checks[] | select(.status != "ok")'`,
    )
    .action(async (options: { kvm: string; json?: boolean }) => {
      let binding: Binding | undefined;
      let bindingError: string | undefined;
      try {
        binding = getBinding('napi');
      } catch (error) {
        bindingError = (error as Error).message; // the report says which addon, and why
      }
      const report = await runDoctor({
        ...(binding ? { binding } : {}),
        ...(bindingError ? { bindingError } : {}),
        kvmPath: options.kvm,
      });
      if (options.json) printJson(report);
      else {
        for (const check of report.checks) {
          const width = terminalWidth();
          process.stdout.write(
            `${wrapText(`[${MARK[check.status]}] ${check.name}: ${check.detail}`, width, 7).join('\n')}\n`,
          );
          if (check.fix) process.stdout.write(`${wrapText(`       fix: ${check.fix}`, width, 5).join('\n')}\n`);
        }
        process.stdout.write(
          report.ok
            ? '\nkvmbench can run here.\n'
            : '\nkvmbench cannot run benchmarks here until the FAIL items are fixed.\n',
        );
      }
      if (!report.ok) process.exitCode = EXIT.failure;
    });
}
