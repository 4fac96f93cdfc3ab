/**
 * No shell pipeline in scripts/ or .ci/ can die of SIGPIPE. Under `set -o pipefail` a reader that
 * exits before its writer is done (head, grep -q/-m, an awk program with `exit`, sed with `q`)
 * makes the writer die of SIGPIPE whenever it still had output to write: the pipeline fails (141)
 * at random, and `set -e` ends the script. The sandbox's first boot on a fresh machine died that way.
 * Readers that take the whole input (awk 'NR == 1', sed -n 1p) do the same job without the race.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shell scripts below dir (none where it is absent: the container's copy has no .ci/). */
function shellScripts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return shellScripts(path);
    return name.endsWith('.sh') || readFileSync(path, 'utf8').startsWith('#!/usr/bin/env bash') ? [path] : [];
  });
}

/** Logical lines: continuations joined, comments dropped, with the number of their first line. */
function logicalLines(text: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  let pending: { line: number; code: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    const code = raw.replace(/^\s*#.*$/, '');
    const joined = pending ? { line: pending.line, code: `${pending.code} ${code.trim()}` } : { line: i + 1, code };
    // A line ending in \ or | continues, and so does one followed by a line starting with |.
    if (/(\\|\|)\s*$/.test(code)) pending = { line: joined.line, code: joined.code.replace(/\\\s*$/, '') };
    else {
      pending = undefined;
      out.push(joined);
    }
  });
  for (let i = out.length - 1; i > 0; i--) {
    const current = out[i] as { line: number; code: string };
    if (/^\s*\|[^|]/.test(current.code)) {
      const previous = out[i - 1] as { line: number; code: string };
      previous.code += ` ${current.code.trim()}`;
      out.splice(i, 1);
    }
  }
  return out;
}

/** The commands after a pipe (`|`, not `||`) in a line, each with the rest of its line. */
const afterPipes = (code: string): string[] => code.split(/(?<!\|)\|(?!\|)/).slice(1);

const EARLY_EXIT: [RegExp, string][] = [
  [/^\s*head\b/, 'head'],
  [/^\s*grep\s+(-\w*[qml]\w*\b|--quiet|--max-count|--files-with-matches)/, 'grep -q/-m/-l'],
  [/^\s*awk\b[^|]*\bexit\b/, "awk with 'exit'"],
  [/^\s*sed\b[^|]*('|\s|;)\d*q\b/, "sed with 'q'"],
];

/** Every pipeline whose reader may exit before its writer has written everything. */
function earlyExitReaders(text: string): string[] {
  const found: string[] = [];
  for (const { line, code } of logicalLines(text)) {
    for (const segment of afterPipes(code)) {
      for (const [pattern, what] of EARLY_EXIT) {
        if (pattern.test(segment)) found.push(`line ${line}: ${what}: |${segment.trim().slice(0, 80)}`);
      }
    }
  }
  return found;
}

test('the checker finds each kind of early-exiting reader, and passes whole-input readers', () => {
  const bad = [
    'x=$(find . | head -1)',
    'ldconfig -p | awk -v l="$lib" \'$1 == l {print; exit}\'',
    'ls |\n  grep -q foo',
    'cat f \\\n  | grep -m1 x',
    "dmesg | sed '1q'",
    'cmd | sort | head -n 3',
  ];
  for (const text of bad) assert.equal(earlyExitReaders(text).length, 1, text);
  const good = [
    'x=$(find . | sed -n 1p)',
    "ldconfig -p | awk '$1 == l && !found {print; found = 1}'",
    'grep -q foo <<<"$text"',
    'a || head -1 file',
    "awk '{exit}' file",
    '# find . | head -1',
    "ls | awk 'NR == 1 {print $4}'",
  ];
  for (const text of good) assert.deepEqual(earlyExitReaders(text), [], text);
});

test('no script in scripts/ or .ci/ pipes into a reader that can exit early', () => {
  const scripts = [...shellScripts(join(ROOT, 'scripts')), ...shellScripts(join(ROOT, '.ci'))];
  assert.ok(scripts.length >= 8, `found the shell scripts (${scripts.length})`);
  const problems = scripts.flatMap((path) =>
    earlyExitReaders(readFileSync(path, 'utf8')).map((problem) => `${relative(ROOT, path)} ${problem}`),
  );
  assert.deepEqual(problems, []);
});
