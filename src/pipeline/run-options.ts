/**
 * The options of `kvmbench run`, in one table: each flag with its help, commander's default, and the
 * RunOptions field it sets and how. The command registers its options from it (calibrate the few it
 * shares), and planning makes a RunOptions from it. Pure: no device, no file. A sweep's points
 * depend on the host, so they are added after planning (expandSweep, with probeSweepHost's facts).
 */
import { cpus } from 'node:os';
import { FLOOR_BINDING } from '../bench/plan.js';
import { defaultSweepBindings, type SweepHost, sweepWorkloads } from '../bench/sweeps/plan.js';
import { SWEEP_KINDS, type SweepKind } from '../bench/sweeps/points.js';
import { BASELINE_DESIGN, VMM_DESIGNS, type VmmDesign } from '../bench/vmm-designs.js';
import { DEFAULT_CPUID_K, DEFAULT_WORKLOAD_NAMES, WORKLOAD_NAMES } from '../bench/workloads.js';
import { BINDING_NAMES, type BindingName } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { DEFAULT_KVM_PATH } from '../kvm/system.js';
import { PEER_NAMES } from '../peers/types.js';
import { DEFAULT_FORMATS, FORMAT_NAMES } from '../report/registry.js';
import { TRACE_MODES } from '../results/trace.js';
import type { RunOptions } from '../results/types.js';
import { OWN_RUNTIME } from '../runtimes/bindings.js';
import { HOST_RUNTIME, hostRuntime, RUNTIME_NAMES, type Runtime } from '../runtimes/discover.js';
import { parseInteger, parseList, parseOne, parsePositiveInteger } from './option-values.js';

/**
 * What a run measures when no flag says otherwise, sized for a 2-core host: a default run in under a
 * minute, in 4 fresh processes (the process is the unit the intervals rest on, and a host drifts
 * between processes); --quick in about ten seconds, in this process; a quick sweep with the fewest
 * rounds that still give a 95 % interval. The measurements behind these numbers: docs/architecture.md
 * ("Statistics: the turn is the unit") and docs/sweeps.md.
 */
export const PROFILES = {
  default: { rounds: 5, timePerRoundMs: 30, warmupMs: 10, jitWarmupMaxMs: 3500, processes: 4 },
  quick: { rounds: 12, timePerRoundMs: 7, warmupMs: 10, jitWarmupMaxMs: 1500, processes: 1 },
  quickSweep: { rounds: 6, timePerRoundMs: 12, warmupMs: 10, jitWarmupMaxMs: 0, processes: 1 },
};
type Profile = (typeof PROFILES)[keyof typeof PROFILES];

/** The flags as commander hands them over, by attribute name (`timePerRound`): strings, true for a switch. */
export type RunFlags = Readonly<Record<string, string | boolean | undefined>>;

/** What a field's value may depend on besides its own flag. */
export interface PlanContext {
  flags: RunFlags;
  quick: boolean;
  profile: Profile;
  /** --sweep: its points become the workloads (expandSweep). */
  sweep?: SweepKind;
  /** --runtimes, found by the caller; absent: this process's runtime alone. */
  runtimes?: readonly Runtime[];
}

export interface RunOptionSpec {
  /** commander's flags (`-r, --rounds <n>`); absent: a field no flag sets (the profile's). */
  flags?: string;
  help?: string;
  /** commander's default, shown in the help. */
  defaultValue?: string;
  /** The RunOptions field it sets; absent: a flag of where the run goes (--out, --format), not of what it measures. */
  key?: keyof RunOptions;
  /** The field's value from the flag's (undefined: not given); undefined leaves the field out. */
  value?(given: string | undefined, context: PlanContext): unknown;
}

/** An entry that sets `key`, its value checked against RunOptions' type. */
const field = <K extends keyof RunOptions>(
  spec: Omit<RunOptionSpec, 'key' | 'value'> & {
    key: K;
    value(given: string | undefined, context: PlanContext): RunOptions[K] | undefined;
  },
): RunOptionSpec => spec;

const { default: standard, quick: quickProfile } = PROFILES;

/** Every option of `run`, in the order of its help; RunOptions' fields in this order too. */
export const RUN_OPTIONS: readonly RunOptionSpec[] = [
  field({
    flags: '-w, --workloads <list>',
    help: `comma-separated: ${WORKLOAD_NAMES.join(', ')} (default: all but ${WORKLOAD_NAMES.filter((name) => !DEFAULT_WORKLOAD_NAMES.includes(name)).join(', ')}, the VMM-design ones)`,
    key: 'workloads',
    // A sweep's points are its workloads, added by expandSweep once the host is known.
    value: (given, { sweep }) =>
      sweep ? [] : given !== undefined ? parseList('--workloads', given, WORKLOAD_NAMES) : [...DEFAULT_WORKLOAD_NAMES],
  }),
  field({
    flags: '-b, --bindings <list>',
    help: `comma-separated: ${BINDING_NAMES.join(', ')}`,
    key: 'bindings',
    value: (given, { sweep, quick, runtimes }) =>
      given === undefined && sweep ? defaultSweepBindings(sweep, quick) : bindingsFor(given, runtimes),
  }),
  field({ flags: '-q, --quick', help: 'fewer, shorter rounds (about 10 s)', key: 'quick', value: (_, c) => c.quick }),
  field({
    flags: '-r, --rounds <n>',
    help: `interleaved rounds per process (default: ${standard.rounds}; ${quickProfile.rounds} with --quick)`,
    key: 'rounds',
    value: (given, { profile }) =>
      given !== undefined ? parsePositiveInteger('--rounds', given, 1000) : profile.rounds,
  }),
  field({
    flags: '-t, --time-per-round <ms>',
    help: `time each binding gets per workload per round (default: ${standard.timePerRoundMs}; ${quickProfile.timePerRoundMs} with --quick)`,
    key: 'timePerRoundMs',
    value: (given, { profile }) =>
      given !== undefined ? parsePositiveInteger('--time-per-round', given, 600_000) : profile.timePerRoundMs,
  }),
  field({ key: 'warmupMs', value: (_, { profile }) => profile.warmupMs }),
  field({
    flags: '--jit-warmup <ms>',
    help: `most time per process for the lifecycle's JIT warm-up, 600 lifecycles per JS binding when three warm up (default: ${standard.jitWarmupMaxMs}; ${quickProfile.jitWarmupMaxMs} with --quick; 0: none)`,
    key: 'jitWarmupMaxMs',
    value: (given, { profile }) =>
      given !== undefined ? parseInteger('--jit-warmup', given, 0, 600_000) : profile.jitWarmupMaxMs,
  }),
  field({
    flags: '--pin <cpu>',
    help: 'pin the process to one CPU for the run (restored afterwards)',
    key: 'pin',
    value: (given) => (given === undefined ? undefined : parseInteger('--pin', given, 0, cpus().length - 1)),
  }),
  { flags: '-o, --out <dir>', help: 'directory that receives a new run folder', defaultValue: 'results' },
  {
    flags: '--name <name>',
    help: 'save the run as a named baseline: <out>/<name>/<run id>, read by `kvmbench compare <name>`',
  },
  {
    flags: '-f, --format <list>',
    help: `comma-separated: ${FORMAT_NAMES.join(', ')}`,
    defaultValue: DEFAULT_FORMATS.join(','),
  },
  field({
    flags: '--cpuid-k <k>',
    help: 'in-kernel CPUID exits per userspace exit in cpuid-then-pio',
    defaultValue: String(DEFAULT_CPUID_K),
    key: 'cpuidK',
    value: (given) => (given === undefined ? DEFAULT_CPUID_K : parsePositiveInteger('--cpuid-k', given, 10_000)),
  }),
  { flags: '--kvm <path>', help: 'the KVM device', defaultValue: DEFAULT_KVM_PATH },
  field({
    flags: '--processes <n>',
    help: `measure in n fresh Node processes, one after another, and merge them (default: ${standard.processes}; ${quickProfile.processes} with --quick, --trace perf-*, --sweep, --peers)`,
    key: 'processes',
    value: (given, context) =>
      given !== undefined ? parsePositiveInteger('--processes', given, 64) : defaultProcesses(context),
  }),
  field({
    flags: '--sweep <kind>',
    help: `measure how costs grow: ${SWEEP_KINDS.join(', ')} (guest memory size, vCPUs, concurrent VMs), each point a workload`,
    key: 'sweep',
    value: (_, { sweep }) => sweep,
  }),
  field({
    flags: '--trace <mode>',
    help: `after measuring, trace each cell (ftrace: several batches in each process): ${TRACE_MODES.join(', ')}`,
    key: 'trace',
    value: (given) => (given === undefined ? undefined : parseOne('--trace', given, TRACE_MODES)),
  }),
  field({
    flags: '--runtimes <list>',
    help: `measure in these runtimes too, each in processes of its own: ${RUNTIME_NAMES.join(', ')}, or NAME=PATH (default: node, the Node running kvmbench; others: npm run runtimes:install)`,
    key: 'runtimes',
    // Found (and checked) by the caller before planning: finding a runtime runs it.
    value: (_, { runtimes }) => runtimes?.map((runtime) => runtime.name),
  }),
  field({
    flags: '--peers <list>',
    help: `also run the pio-out loop under other VMMs where installed: ${PEER_NAMES.join(', ')}`,
    key: 'peers',
    value: (given) => (given === undefined ? undefined : parseList('--peers', given, PEER_NAMES)),
  }),
  field({
    flags: '--inject-delay-ns <binding=ns,...>',
    help: 'debug: busy-wait ns after every KVM_RUN of these JS bindings, to check that compare catches a slower binding (the run says so)',
    key: 'injectDelayNs',
    value: (given) => (given === undefined ? undefined : parseInjectDelay(given)),
  }),
  field({
    flags: '--vmm-designs <list|all>',
    help: `after the rounds, measure vCPU threading designs on the pio-out guest against ${BASELINE_DESIGN} (KVM_RUN on the main thread), in interleaved rounds: ${VMM_DESIGNS.join(', ')}, or all (docs/vcpu-threading.md)`,
    key: 'vmmDesigns',
    value: (given) => (given === undefined ? undefined : parseVmmDesigns(given)),
  }),
];

/** `--vmm-designs worker-vcpu,koffi-async` or `all`; sync, the baseline, is always measured and listed first. */
function parseVmmDesigns(value: string): VmmDesign[] {
  const asked: string[] = parseList('--vmm-designs', value, [...VMM_DESIGNS, 'all']);
  return VMM_DESIGNS.filter((design) => design === BASELINE_DESIGN || asked.includes('all') || asked.includes(design));
}

/** commander's attribute for a flag: `--time-per-round <ms>` -> timePerRound. */
export function attributeName(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1] ?? '';
  return long.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The RunOptions the flags ask for. `found`: the runtimes of --runtimes, found by the caller;
 * `--runtimes node` alone is this process's runtime, the same as no --runtimes.
 */
export function planRunOptions(flags: RunFlags, found?: readonly Runtime[]): RunOptions {
  const runtimes = found?.some((runtime) => runtime.name !== HOST_RUNTIME) ? found : undefined;
  if (runtimes) checkRuntimesCombination(flags);
  const sweep = sweepKind(flags);
  const quick = Boolean(flags.quick);
  const profile = quick ? (sweep ? PROFILES.quickSweep : PROFILES.quick) : PROFILES.default;
  const context: PlanContext = {
    flags,
    quick,
    profile,
    ...(sweep ? { sweep } : {}),
    ...(runtimes ? { runtimes } : {}),
  };
  const options: Record<string, unknown> = {};
  for (const spec of RUN_OPTIONS) {
    if (spec.key === undefined || spec.value === undefined) continue;
    const given = spec.flags === undefined ? undefined : flags[attributeName(spec.flags)];
    // `!== undefined`, not truthiness: an empty value ('') is an error, not "use the default".
    const value = spec.value(typeof given === 'string' ? given : undefined, context);
    if (value !== undefined) options[spec.key] = value;
  }
  const planned = options as unknown as RunOptions;
  if ((planned.processes ?? 1) > 1 && planned.trace && planned.trace !== 'ftrace') {
    throw new UsageError(
      `--trace ${planned.trace} traces this process: run it without --processes (or with --processes 1); only --trace ftrace traces in several processes`,
    );
  }
  return planned;
}

/**
 * perf tracing, --sweep and --peers measure in this process (perf follows it; sweeps and peers run
 * their own children); ftrace traces in each process of the run.
 */
function defaultProcesses({ flags, sweep, profile }: PlanContext): number {
  const perfTrace = flags.trace !== undefined && flags.trace !== 'ftrace';
  return perfTrace || sweep !== undefined || flags.peers !== undefined ? 1 : profile.processes;
}

/**
 * The bindings asked for, each checked against the runtimes that will measure them (this process's
 * when there is no --runtimes); by default all they can run, in the catalogue's order.
 */
function bindingsFor(value: string | undefined, runtimes: readonly Runtime[] | undefined): BindingName[] {
  const lanes = runtimes ?? [hostRuntime()];
  const runnable = new Set(lanes.flatMap((runtime) => runtime.bindings));
  if (value === undefined) return BINDING_NAMES.filter((name) => runnable.has(name));
  const asked = parseList('--bindings', value, BINDING_NAMES);
  for (const binding of asked) {
    if (runnable.has(binding)) continue;
    const own = OWN_RUNTIME[binding];
    throw new UsageError(
      `--bindings ${binding}: ${lanes.map((r) => `${r.name} (${r.kind} ${r.version})`).join(', ')} cannot run it` +
        (own ? `; it runs under ${own}` : ''),
    );
  }
  return asked;
}

/** --runtimes runs measure in children of each runtime: what measures in this process alone cannot join. */
function checkRuntimesCombination(flags: RunFlags): void {
  for (const [flag, value] of [
    ['--sweep', flags.sweep],
    ['--peers', flags.peers],
    ['--trace', flags.trace !== undefined && flags.trace !== 'ftrace' ? flags.trace : undefined],
  ] as const) {
    if (value !== undefined) {
      throw new UsageError(
        `--runtimes measures in processes of each runtime; ${flag} ${value} measures in this one: drop one of them`,
      );
    }
  }
}

/** `--inject-delay-ns napi=2000,koffi=500`: JS bindings only (the C loop is the floor), 1 ns to 1 ms each. */
function parseInjectDelay(value: string): Record<string, number> {
  const delays: Record<string, number> = {};
  for (const item of value.split(',').map((part) => part.trim())) {
    const [binding, ns] = item.split('=');
    if (binding === undefined || ns === undefined || !BINDING_NAMES.includes(binding as BindingName)) {
      throw new UsageError(
        `--inject-delay-ns: '${item}' is not BINDING=NS: e.g. --inject-delay-ns napi=2000 (bindings: ${BINDING_NAMES.join(', ')})`,
      );
    }
    if (binding === FLOOR_BINDING) {
      throw new UsageError(
        `--inject-delay-ns: ${FLOOR_BINDING} is the floor the others are measured against: delay a JS binding`,
      );
    }
    delays[binding] = parseInteger(`--inject-delay-ns ${binding}`, ns, 1, 1_000_000);
  }
  return delays;
}

/** --sweep: one sweep, standing alone (it chooses its workloads and runs in one process). */
function sweepKind(flags: RunFlags): SweepKind | undefined {
  if (typeof flags.sweep !== 'string') return undefined;
  const kind = parseList('--sweep', flags.sweep, SWEEP_KINDS);
  if (kind.length !== 1) throw new UsageError('--sweep takes one sweep at a time: memory, vcpus or vms');
  for (const [flag, value] of [
    ['--workloads', flags.workloads],
    ['--trace', flags.trace],
    ['--processes', flags.processes],
  ] as const) {
    if (value !== undefined)
      throw new UsageError(`--sweep chooses its own workloads and runs in one process: drop ${flag}`);
  }
  return kind[0] as SweepKind;
}

/** A sweep's points as the workloads, for this host (src/bench/sweeps/plan.ts); other runs as they are. */
export function expandSweep(options: RunOptions, host: SweepHost): RunOptions {
  if (!options.sweep) return options;
  return { ...options, workloads: sweepWorkloads(options.sweep, options.quick, host) };
}
