/**
 * tracefs instances on real tracefs: private per process, and removed on normal exit, on an error
 * and on SIGINT / SIGTERM, so the global trace state is never left changed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadResultsFile } from '../src/results/read.js';
import { findTracefs, TraceInstance } from '../src/trace/tracefs.js';
import { kvmbenchAsync, runFolders } from './helpers/cli.js';
import { kvmSkip } from './helpers/kvm.js';
import { tracefsSkip } from './helpers/tracefs.js';

const root = findTracefs();
const skip = tracefsSkip();
const tracefsModule = fileURLToPath(new URL('../src/trace/tracefs.js', import.meta.url));

/** A child that creates an instance, enables an event, says where it is, then waits or fails. */
function child(behaviour: 'wait' | 'throw' | 'exit') {
  const script = `
    import { TraceInstance, findTracefs } from ${JSON.stringify(tracefsModule)};
    const instance = TraceInstance.create(findTracefs(), 'test');
    instance.enable('syscalls:sys_enter_ioctl', 'common_pid == ' + process.pid);
    instance.start();
    console.log(instance.path);
    if (${JSON.stringify(behaviour)} === 'throw') throw new Error('boom');
    if (${JSON.stringify(behaviour)} === 'wait') setInterval(() => {}, 1000);
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function pathAndExit(proc: ReturnType<typeof child>, signal?: NodeJS.Signals) {
  const path = await new Promise<string>((resolve, reject) => {
    proc.stdout.once('data', (chunk) => resolve(String(chunk).trim()));
    proc.once('exit', () => reject(new Error('the child exited before creating its instance')));
  });
  assert.ok(existsSync(path), `${path} exists while the child runs`);
  if (signal) proc.kill(signal);
  const code = await new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null) resolve(proc.exitCode);
    else proc.once('exit', resolve);
  });
  return { path, code };
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} removes the instance and exits ${code}`, { skip }, async () => {
    const result = await pathAndExit(child('wait'), signal);
    assert.equal(result.code, code);
    assert.equal(existsSync(result.path), false, `${result.path} was left behind`);
  });
}

test('an uncaught error still removes the instance', { skip }, async () => {
  const result = await pathAndExit(child('throw'));
  assert.equal(result.code, 1);
  assert.equal(existsSync(result.path), false);
});

test('normal exit removes the instance', { skip }, async () => {
  const result = await pathAndExit(child('exit'));
  assert.equal(result.code, 0);
  assert.equal(existsSync(result.path), false);
});

test('instances are private: the global buffer and tracing_on are untouched', { skip }, () => {
  const globalOn = readFileSync(join(root as string, 'tracing_on'), 'utf8');
  const globalEvent = readFileSync(join(root as string, 'events/syscalls/sys_enter_ioctl/enable'), 'utf8');
  const a = TraceInstance.create(root as string, 'private-a');
  const b = TraceInstance.create(root as string, 'private-b');
  try {
    a.enable('syscalls:sys_enter_ioctl');
    a.start();
    assert.notEqual(a.path, b.path);
    assert.equal(readFileSync(join(b.path, 'events/syscalls/sys_enter_ioctl/enable'), 'utf8').trim(), '0');
    assert.equal(readFileSync(join(root as string, 'tracing_on'), 'utf8'), globalOn);
    assert.equal(readFileSync(join(root as string, 'events/syscalls/sys_enter_ioctl/enable'), 'utf8'), globalEvent);
  } finally {
    a.remove();
    b.remove();
    a.remove();
  }
  assert.equal(existsSync(a.path), false);
});

test('run --trace ftrace --processes 2: every process traces, one split per cell from both, raw captures per process', {
  skip: skip || kvmSkip,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'kvmbench-ftrace-processes-'));
  try {
    const result = await kvmbenchAsync(
      [
        'run',
        ...['--workloads', 'hlt', '--bindings', 'c-loop,napi', '--rounds', '2', '--time-per-round', '5'],
        ...['--trace', 'ftrace', '--processes', '2', '--format', 'json', '--out', out],
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    const folder = join(out, runFolders(out)[0] as string);
    // Read as compare and report read it: checked against results.schema.json.
    const results = loadResultsFile(join(folder, 'results.json'));
    for (const m of results.measurements) {
      const processes = new Set((m.trace?.batches ?? []).map((batch) => batch.process));
      assert.deepEqual([...processes].sort(), [0, 1], `${m.workload} / ${m.binding}: batches from both processes`);
      assert.ok((m.trace?.split?.runs ?? 0) > 0);
      assert.match(m.trace?.rawFile ?? '', /^trace\/process-[12]\//);
      assert.ok(existsSync(join(folder, m.trace?.rawFile as string)), `${m.trace?.rawFile} was written`);
    }
    assert.match(result.stdout, /from 2 processes/);
    const ours = readdirSync(join(root as string, 'instances')).filter((name) => name.startsWith('kvmbench-run-'));
    assert.deepEqual(ours, [], 'no run instance left behind');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
