/** Reads and validates guests/manifest.json and the images built from it (guests/build/<name>.bin). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REGISTER_NAMES } from '../abi/kvm.js';
import { UsageError } from '../errors.js';
import type { RegisterName, Segment } from '../kvm/structs.js';

export type GuestMode = 'real' | 'protected' | 'long';

/** Segment registers a manifest may adjust after the mode's setup. */
export const SEGMENT_NAMES = ['cs', 'ds', 'es', 'fs', 'gs', 'ss'] as const;
export type SegmentName = (typeof SEGMENT_NAMES)[number];
/** The attribute bits of a segment (not base, limit or selector, which the mode's GDT owns). */
const SEGMENT_FIELDS = ['type', 'present', 'dpl', 'db', 's', 'l', 'g', 'avl', 'unusable'] as const;
/** type is 4 bits and dpl 2; the rest are single bits. */
const SEGMENT_FIELD_MAX: Partial<Record<string, number>> = { type: 15, dpl: 3 };
export type SegmentOverrides = Partial<Record<SegmentName, Partial<Pick<Segment, (typeof SEGMENT_FIELDS)[number]>>>>;

/** What the guest does, which the harness checks exit by exit. */
export type ExitProtocol =
  | { kind: 'serial'; port: number; output: string }
  | {
      kind: 'pio-out';
      port: number;
      inKernelExitsRegister?: RegisterName;
      writes?: WriteBurst;
      interrupt?: GuestInterrupt;
    }
  | { kind: 'pio-in'; port: number }
  | { kind: 'mmio-write'; address: number }
  | { kind: 'mmio-read'; address: number }
  | { kind: 'hlt' }
  /** The guests below end at their first exit: they exist to test how faults are reported. */
  | { kind: 'shutdown' }
  | { kind: 'fail-entry' }
  | { kind: 'internal-error' };

/**
 * Writes between the userspace exits that a VMM may complete in the kernel: `count` (from a register)
 * one-byte writes of a running counter (0, 1, 2, ... mod 256) to a port or an unbacked address. Without
 * an ioeventfd or a coalesced zone on the target, each is an exit to userspace of its own.
 */
export type WriteBurst = {
  countRegister: RegisterName;
  /** The register whose low byte is the first value written and its next byte the step (0: one value throughout). */
  dataRegister?: RegisterName;
} & ({ port: number } | { address: number });

/**
 * A guest whose OUTs come from an interrupt handler: it needs an in-kernel irqchip, unmasks `gsi`
 * (a PIC line), OUTs once to readyPort when an edge on it can no longer be lost, then waits in HLT.
 */
export interface GuestInterrupt {
  gsi: number;
  readyPort: number;
  /** Where the handler stores the TSC it reads first thing (u64), in guests timed by the guest. */
  tscAddress?: number;
}

export interface GuestSpec {
  name: string;
  description: string;
  source: string;
  mode: GuestMode;
  memory: { base: number; size: number };
  load: number;
  registers: Partial<Record<RegisterName, bigint>>;
  /** Segment attributes set after the mode's setup, e.g. to make VM entry fail on purpose. */
  segments: SegmentOverrides;
  exits: ExitProtocol;
  /**
   * Guests that time themselves with RDTSC: where their clock page lies (u64 cycles, u64 windows
   * timed, u8 skip; see src/bench/guest-clock.ts) and what a window spans.
   */
  guestClock?: GuestClockSpec;
}

/**
 * What one timed window spans: `exit`, the exiting instruction (a round trip through the host, so a
 * window is open across the host's gap between two batches); `writes`, a burst of writes completed in
 * the kernel before the iteration's exit (it never spans the host's gap).
 */
export const GUEST_CLOCK_WINDOWS = ['exit', 'writes'] as const;
export type GuestClockWindow = (typeof GUEST_CLOCK_WINDOWS)[number];

export interface GuestClockSpec {
  address: number;
  window: GuestClockWindow;
}

/** Bytes of a guest's clock page that the host reads and writes (cycles, windows, skip flag). */
export const GUEST_CLOCK_BYTES = 17;

export interface Guest extends GuestSpec {
  image: Uint8Array;
}

export const GUESTS_DIR = fileURLToPath(new URL('../../../guests/', import.meta.url));
export const MANIFEST_PATH = `${GUESTS_DIR}manifest.json`;
const PAGE = 0x1000;
const MODES: readonly GuestMode[] = ['real', 'protected', 'long'];
const EXIT_KINDS = [
  'serial',
  'pio-out',
  'pio-in',
  'mmio-write',
  'mmio-read',
  'hlt',
  'shutdown',
  'fail-entry',
  'internal-error',
] as const;

class ManifestReader {
  constructor(private readonly where: string) {}

  fail(message: string): never {
    throw new UsageError(`${this.where}: ${message}`);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`'${field}' must be an object`);
    return value as Record<string, unknown>;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.length === 0) this.fail(`'${field}' must be a non-empty string`);
    return value;
  }

  /** A non-negative integer given as a number or a "0x..." / decimal string. */
  integer(value: unknown, field: string): number {
    const parsed = typeof value === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(value) ? Number(value) : value;
    if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < 0) {
      this.fail(`'${field}' must be a non-negative integer or a "0x..." string (got ${JSON.stringify(value)})`);
    }
    return parsed;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(value as T))
      this.fail(`'${field}' must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return value as T;
  }
}

function parseExits(r: ManifestReader, raw: Record<string, unknown>): ExitProtocol {
  const kind = r.oneOf(raw.kind, 'exits.kind', EXIT_KINDS);
  switch (kind) {
    case 'serial':
      return { kind, port: r.integer(raw.port, 'exits.port'), output: r.string(raw.output, 'exits.output') };
    case 'pio-out':
      return {
        kind,
        port: r.integer(raw.port, 'exits.port'),
        ...(raw.inKernelExitsRegister === undefined
          ? {}
          : {
              inKernelExitsRegister: r.oneOf(raw.inKernelExitsRegister, 'exits.inKernelExitsRegister', REGISTER_NAMES),
            }),
        ...(raw.writes === undefined ? {} : { writes: parseWriteBurst(r, r.object(raw.writes, 'exits.writes')) }),
        ...(raw.interrupt === undefined
          ? {}
          : { interrupt: parseInterrupt(r, r.object(raw.interrupt, 'exits.interrupt')) }),
      };
    case 'pio-in':
      return { kind, port: r.integer(raw.port, 'exits.port') };
    case 'mmio-write':
    case 'mmio-read':
      return { kind, address: r.integer(raw.address, 'exits.address') };
    default:
      return { kind };
  }
}

function parseWriteBurst(r: ManifestReader, raw: Record<string, unknown>): WriteBurst {
  const countRegister = r.oneOf(raw.countRegister, 'exits.writes.countRegister', REGISTER_NAMES);
  const registers = {
    countRegister,
    ...(raw.dataRegister === undefined
      ? {}
      : { dataRegister: r.oneOf(raw.dataRegister, 'exits.writes.dataRegister', REGISTER_NAMES) }),
  };
  if ((raw.port === undefined) === (raw.address === undefined)) {
    r.fail("'exits.writes' needs one of 'port' and 'address'");
  }
  return raw.port !== undefined
    ? { ...registers, port: r.integer(raw.port, 'exits.writes.port') }
    : { ...registers, address: r.integer(raw.address, 'exits.writes.address') };
}

function parseInterrupt(r: ManifestReader, raw: Record<string, unknown>): GuestInterrupt {
  const gsi = r.integer(raw.gsi, 'exits.interrupt.gsi');
  // The PIC's lines, but 2 (the cascade to the slave PIC).
  if (gsi > 15 || gsi === 2) r.fail(`'exits.interrupt.gsi' must be a PIC line from 0 to 15 other than 2 (got ${gsi})`);
  const readyPort = r.integer(raw.readyPort, 'exits.interrupt.readyPort');
  if (raw.tscAddress === undefined) return { gsi, readyPort };
  const tscAddress = r.integer(raw.tscAddress, 'exits.interrupt.tscAddress');
  if (tscAddress % 8) r.fail(`'exits.interrupt.tscAddress' must be 8-byte aligned (got 0x${tscAddress.toString(16)})`);
  return { gsi, readyPort, tscAddress };
}

function parseGuestClock(r: ManifestReader, raw: unknown): GuestClockSpec {
  const clock = r.object(raw, 'guestClock');
  return {
    address: r.integer(clock.address, 'guestClock.address'),
    window: clock.window === undefined ? 'exit' : r.oneOf(clock.window, 'guestClock.window', GUEST_CLOCK_WINDOWS),
  };
}

function parseSegments(r: ManifestReader, raw: unknown): SegmentOverrides {
  if (raw === undefined) return {};
  const segments: SegmentOverrides = {};
  for (const [name, fields] of Object.entries(r.object(raw, 'segments'))) {
    const segment = r.oneOf(name, 'segments', SEGMENT_NAMES);
    const overrides: Record<string, number> = {};
    for (const [field, value] of Object.entries(r.object(fields, `segments.${segment}`))) {
      const bits = r.oneOf(field, `segments.${segment}`, SEGMENT_FIELDS);
      const parsed = r.integer(value, `segments.${segment}.${bits}`);
      const max = SEGMENT_FIELD_MAX[bits] ?? 1;
      if (parsed > max) r.fail(`'segments.${segment}.${bits}' must be at most ${max} (got ${parsed})`);
      overrides[bits] = parsed;
    }
    segments[segment] = overrides;
  }
  return segments;
}

export function parseGuestSpec(raw: unknown, where: string): GuestSpec {
  let r = new ManifestReader(where);
  const entry = r.object(raw, 'guest');
  const name = r.string(entry.name, 'name');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) r.fail(`guest name '${name}' must be lower-case letters, digits and dashes`);
  r = new ManifestReader(`${where} (guest '${name}')`);
  const memory = r.object(entry.memory, 'memory');
  const spec: GuestSpec = {
    name,
    description: r.string(entry.description, 'description'),
    source: r.string(entry.source, 'source'),
    mode: r.oneOf(entry.mode, 'mode', MODES),
    memory: { base: r.integer(memory.base, 'memory.base'), size: r.integer(memory.size, 'memory.size') },
    load: r.integer(entry.load, 'load'),
    registers: {},
    segments: parseSegments(r, entry.segments),
    exits: parseExits(r, r.object(entry.exits, 'exits')),
    ...(entry.guestClock === undefined ? {} : { guestClock: parseGuestClock(r, entry.guestClock) }),
  };
  if (spec.memory.base % PAGE || spec.memory.size % PAGE || spec.memory.size === 0) {
    r.fail('memory.base and memory.size must be multiples of 0x1000, and size not 0');
  }
  if (spec.load < spec.memory.base || spec.load >= spec.memory.base + spec.memory.size) {
    r.fail(`load address 0x${spec.load.toString(16)} is outside the guest's memory`);
  }
  if (spec.mode !== 'real' && (spec.memory.base !== 0 || spec.memory.size < 0x8000 || spec.load < 0x5000)) {
    r.fail(
      'protected and long mode guests need memory from 0x0 of at least 0x8000 bytes and a load address at or above 0x5000 (the host puts the GDT and page tables below it)',
    );
  }
  if (spec.guestClock) {
    const { address } = spec.guestClock;
    if (
      address % 8 ||
      address < spec.memory.base ||
      address + GUEST_CLOCK_BYTES > spec.memory.base + spec.memory.size
    ) {
      r.fail(
        `guestClock.address 0x${address.toString(16)} must be 8-byte aligned with ${GUEST_CLOCK_BYTES} bytes inside the guest's memory`,
      );
    }
  }
  const registers = entry.registers === undefined ? {} : r.object(entry.registers, 'registers');
  for (const [register, value] of Object.entries(registers)) {
    r.oneOf(register, 'registers', REGISTER_NAMES);
    spec.registers[register as RegisterName] = BigInt(r.integer(value, `registers.${register}`));
  }
  return spec;
}

let cached: GuestSpec[] | undefined;

export function loadManifest(path = MANIFEST_PATH): GuestSpec[] {
  if (path === MANIFEST_PATH && cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the guest manifest ${path}: ${(error as Error).message}`);
  }
  const list = new ManifestReader(path).object(raw, 'manifest').guests;
  if (!Array.isArray(list)) throw new UsageError(`${path}: 'guests' must be an array`);
  const specs = list.map((entry, i) => parseGuestSpec(entry, `${path} guests[${i}]`));
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw new UsageError(`${path}: guest '${spec.name}' is listed twice`);
    names.add(spec.name);
  }
  if (path === MANIFEST_PATH) cached = specs;
  return specs;
}

export function guestNames(): string[] {
  return loadManifest().map((spec) => spec.name);
}

/** The spec and its built image, checked to fit its memory. */
export function loadGuest(name: string, overrides: Partial<Record<RegisterName, bigint>> = {}): Guest {
  const spec = loadManifest().find((candidate) => candidate.name === name);
  if (!spec) throw new UsageError(`unknown guest '${name}': choose one of ${guestNames().join(', ')}`);
  const imagePath = `${GUESTS_DIR}build/${name}.bin`;
  if (!existsSync(imagePath)) {
    throw new UsageError(`guest image ${imagePath} is missing: run \`npm run build:guests\` (needs GNU binutils)`);
  }
  let image: Uint8Array;
  try {
    image = new Uint8Array(readFileSync(imagePath));
  } catch (error) {
    // EISDIR, EACCES, EIO: name the file, not just the errno.
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? (error as Error).message})`;
    throw new UsageError(
      `guest image ${imagePath} ${what}: remove it and run \`npm run build:guests\` to build it again`,
    );
  }
  return checkImageFits({ ...spec, registers: { ...spec.registers, ...overrides }, image });
}

export function checkImageFits(guest: Guest): Guest {
  const room = guest.memory.base + guest.memory.size - guest.load;
  if (guest.image.length > room) {
    throw new UsageError(
      `guest '${guest.name}' image is ${guest.image.length} bytes but only ${room} bytes of its memory lie at and above its load address 0x${guest.load.toString(16)}: enlarge memory.size in guests/manifest.json`,
    );
  }
  return guest;
}
