/**
 * Reading results files: a run folder or its results.json, checked against results.schema.json.
 * Every problem becomes a UsageError that names the file and says what is wrong with it, so that
 * `kvmbench compare` in CI fails with a message a person can act on.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { UsageError } from '../errors.js';
import { KVMBENCH_VERSION } from '../version.js';
import { pointOfName } from './sweep-points.js';
import { type Results, type RunOptions, SCHEMA_VERSION } from './types.js';

/** The file name a run writes into its folder. */
export const RESULTS_FILE_NAME = 'results.json';

/** How many schema violations a message lists before saying how many more there are. */
const MAX_LISTED_VIOLATIONS = 5;

// Compiled output lives in dist/src/results/; the schema stays at the repository root.
const SCHEMA_URL = new URL('../../../results.schema.json', import.meta.url);

const require = createRequire(import.meta.url);
let loaded: { ajv: import('ajv').Ajv; id: string } | undefined;
let validator: ValidateFunction<Results> | undefined;
let runOptionsValidator: ValidateFunction<RunOptions> | undefined;

/**
 * Loads ajv and the schema once, on first use: together they cost about 100 ms, which every
 * kvmbench command would otherwise pay at startup (the CLI imports all commands).
 */
function loadedSchema(): { ajv: import('ajv').Ajv; id: string } {
  if (!loaded) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as { $id: string };
    const ajv = new Ajv({ allErrors: true });
    ajv.addSchema(schema);
    loaded = { ajv, id: schema.$id };
  }
  return loaded;
}

function resultsValidator(): ValidateFunction<Results> {
  if (!validator) {
    const { ajv, id } = loadedSchema();
    validator = ajv.getSchema<Results>(id) as ValidateFunction<Results>;
  }
  return validator;
}

/**
 * Checks a RunOptions on its own against the schema's `run.options` (a measuring child's request):
 * throws a UsageError naming `source` and each violation.
 */
export function validateRunOptions(raw: unknown, source: string): RunOptions {
  if (!runOptionsValidator) {
    const { ajv, id } = loadedSchema();
    runOptionsValidator = ajv.compile<RunOptions>({ $ref: `${id}#/definitions/runOptions` });
  }
  if (!runOptionsValidator(raw)) throw new UsageError(describeViolations(source, runOptionsValidator.errors ?? []));
  return raw;
}

/**
 * Loads and validates results: `path` is a run folder (its results.json is read) or a results file.
 * Throws a UsageError naming the file for a missing, empty, corrupt, wrong-version or invalid file.
 */
export function loadResultsFile(path: string): Results {
  const file = resultsFilePath(path);
  checkReadable(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read it (${(error as Error).message})`);
  }
  if (text.trim() === '') {
    throw new UsageError(`${file} is empty: the run that wrote it probably stopped before saving its results`);
  }
  // JSON.parse rejects a byte-order mark, which some editors add; it carries no data.
  return validateResults(parseJson(text.replace(/^\uFEFF/, ''), file), file);
}

/** Checks parsed JSON against the schema; `source` names where it came from in error messages. */
export function validateResults(raw: unknown, source: string): Results {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const found = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`;
    throw new UsageError(`${source} is not a kvmbench results file: its top level is ${found}, not an object`);
  }
  checkSchemaVersion(raw as Record<string, unknown>, source);
  const validate = resultsValidator();
  if (!validate(raw)) throw new UsageError(describeViolations(source, validate.errors ?? []));
  checkConsistency(raw, source);
  return withSweepPoints(raw);
}

/**
 * Results whose sweep measurements all carry their `point`. Files written before measurements
 * carried it name the point only (`memory@1MiB`): its point is read from that name here, the one
 * place a reader of results parses a name, so every exporter reads `measurement.point` alone.
 */
export function withSweepPoints(results: Results): Results {
  for (const m of results.measurements) {
    if (m.point) continue;
    const point = pointOfName(m.workload);
    if (point) m.point = point;
  }
  return results;
}

/**
 * What the schema cannot say: a cell's per-sample lists are one value per sample, and its median
 * lies among its samples with an interval that is one. A file that breaks this was edited or cut,
 * and every verdict drawn from it would be wrong: refused, naming the field.
 */
function checkConsistency(results: Results, source: string): void {
  const problems: string[] = [];
  results.measurements.forEach((m, i) => {
    const at = `/measurements/${i}`;
    const n = m.samples.length;
    for (const [name, list] of [
      ['sampleRounds', m.sampleRounds],
      ['sampleTimesMs', m.sampleTimesMs],
      ['sampleProcesses', m.sampleProcesses],
    ] as const) {
      if (list !== undefined && list.length !== n)
        problems.push(`${at}/${name}: ${list.length} values for ${n} samples`);
    }
    if (m.stats && n > 0) {
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (const sample of m.samples) {
        if (sample < low) low = sample;
        if (sample > high) high = sample;
      }
      const slack = 1e-9 * high;
      if (m.stats.median < low - slack || m.stats.median > high + slack) {
        problems.push(`${at}/stats/median: ${m.stats.median} lies outside its samples (${low} to ${high})`);
      }
      const [ciLow, ciHigh] = m.stats.medianCi95;
      if (ciLow > ciHigh) problems.push(`${at}/stats/medianCi95: its low end ${ciLow} is above its high end ${ciHigh}`);
    }
  });
  if (problems.length === 0) return;
  const more = problems.length - MAX_LISTED_VIOLATIONS;
  throw new UsageError(
    `${source} is not consistent (edited or cut?):\n${problems
      .slice(0, MAX_LISTED_VIOLATIONS)
      .map((problem) => `  ${problem}`)
      .join('\n')}${more > 0 ? `\n  (and ${more} more)` : ''}`,
  );
}

/**
 * The largest results file read: two of them compare in ~10 s and under 1 GB (50,000 cells each, as
 * measured on 2 cores). A default run writes a few MB; a file this large is a mistake or a merge of
 * many runs, and is refused before it is read rather than taking minutes and gigabytes.
 */
export const MAX_RESULTS_FILE_BYTES = 100 * 1024 * 1024;

/** A regular file of bounded size: a FIFO or a device would block or never end. */
function checkReadable(file: string): void {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new UsageError(`${file}: cannot read it (${(error as Error).message})`);
  }
  if (!stats.isFile()) {
    throw new UsageError(
      `${file} is not a regular file (a pipe, socket or device): give a results.json or its run folder`,
    );
  }
  if (stats.size > MAX_RESULTS_FILE_BYTES) {
    const mib = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MiB`;
    throw new UsageError(
      `${file} is ${mib(stats.size)}: kvmbench reads results files up to ${mib(MAX_RESULTS_FILE_BYTES)} (a default run writes a few MB): compare its runs in smaller parts`,
    );
  }
}

function resultsFilePath(path: string): string {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`${path}: no such file or folder: give a run folder (results/<run id>) or a results.json`);
    }
    throw new UsageError(`${path}: cannot read it (${(error as Error).message})`);
  }
  if (!isDirectory) return path;
  const file = join(path, RESULTS_FILE_NAME);
  try {
    if (statSync(file).isFile()) return file;
  } catch {
    // Not a run folder: maybe a folder of runs (run --out DIR, run --name NAME), read at its latest.
  }
  const latest = join(path, 'latest', RESULTS_FILE_NAME);
  try {
    if (statSync(latest).isFile()) return latest;
  } catch {
    // Reported below.
  }
  throw new UsageError(
    `${path} is a folder without ${RESULTS_FILE_NAME} and without a latest run: give a kvmbench run folder (results/<run id>), a folder of runs (run --out DIR or --name NAME), or a results file`,
  );
}

/** 1: statistics over samples (still readable: compare re-derives turns from sampleRounds); 2: over turns. */
const READABLE_SCHEMA_VERSIONS = [1, SCHEMA_VERSION];

/** Checked before the schema so that a file from another kvmbench says so instead of listing violations. */
function checkSchemaVersion(raw: Record<string, unknown>, source: string): void {
  const found = raw['schemaVersion'];
  if (READABLE_SCHEMA_VERSIONS.includes(found as number)) return;
  const tool = raw['tool'] as { name?: unknown; version?: unknown } | undefined;
  const writer = typeof tool?.version === 'string' ? ` (written by kvmbench ${tool.version})` : '';
  const what = found === undefined ? 'has no schemaVersion' : `has schemaVersion ${JSON.stringify(found)}`;
  throw new UsageError(
    `${source} ${what}${writer}; this kvmbench (${KVMBENCH_VERSION}) reads schemaVersion ${READABLE_SCHEMA_VERSIONS.join(' and ')}: ` +
      'read it with the kvmbench version that wrote it, or re-run that benchmark with this one',
  );
}

function describeViolations(source: string, errors: ErrorObject[]): string {
  const lines = errors
    .slice(0, MAX_LISTED_VIOLATIONS)
    .map((error) => `  ${error.instancePath || '/'}: ${detail(error)}`);
  const more = errors.length - MAX_LISTED_VIOLATIONS;
  if (more > 0) lines.push(`  (and ${more} more)`);
  return `${source} does not match the kvmbench results schema (results.schema.json):\n${lines.join('\n')}`;
}

/** Ajv's message plus the parameter that makes it actionable (which property, which values). */
function detail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${error.message} ('${String(params['additionalProperty'])}')`;
  if (error.keyword === 'enum') return `${error.message}: ${JSON.stringify(params['allowedValues'])}`;
  if (error.keyword === 'const') return `${error.message}: ${JSON.stringify(params['allowedValue'])}`;
  return error.message ?? error.keyword;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: corrupt or truncated JSON: ${describeJsonError(text)}${(error as Error).message}`);
  }
}

function describeJsonError(text: string): string {
  const offset = firstJsonSyntaxError(text);
  if (offset < 0) return '';
  const { line, column } = lineAndColumn(text, offset);
  if (offset >= text.length) return `it ends in the middle of a value at line ${line}, column ${column}: `;
  return `at line ${line}, column ${column} (character ${offset + 1} of ${text.length}): `;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}

/**
 * Whether JSON.parse fails on `text` for a reason inside it, not merely because the text stops early
 * ("Unexpected end", or an error at the very end: an unterminated string or number).
 */
function failsBeforeItsEnd(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    if (position) return Number(position[1]) < text.length;
    return !message.startsWith('Unexpected end');
  }
}

/**
 * Offset of the first character that makes `text` invalid JSON (text.length when it ends early), or -1.
 * JSON.parse gives no position for an unexpected token (Node 20), so the error path bisects: every
 * prefix shorter than the fault only "ends early", every longer one fails before its end.
 */
function firstJsonSyntaxError(text: string): number {
  if (!failsBeforeItsEnd(text)) return text.length;
  let good = 0; // a prefix length known not to fail before its end
  let bad = text.length; // a prefix length known to fail before its end
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (failsBeforeItsEnd(text.slice(0, middle))) bad = middle;
    else good = middle;
  }
  return bad - 1;
}
