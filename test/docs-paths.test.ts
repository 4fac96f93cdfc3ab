/**
 * Every path the docs name exists: in README.md and docs/*.md each relative Markdown link target,
 * each backticked repository path and each source path in a code block; in src/ each path and
 * source file name a comment names. A placeholder or a
 * pattern (`results/<run>/...`, `guests/*.S`) names no one file and is skipped.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROOTS = ['src/', 'test/', 'scripts/', 'docs/', 'guests/', '.ci/', 'results/'];
/** Bare source file names (`plan.ts`) must be a file somewhere in the repository. */
const SOURCE_FILE = /^[\w.-]+\.(ts|mjs|c|h|cc|S|sh|gyp)$/;
/** The pointer to the newest run that every run writes (src/results/latest.ts): absent from a fresh clone. */
/** Files comments name that live outside this repository. */
const ELSEWHERE = new Set(['kvmtest.c']);
const LATEST_POINTER = /^results\/([\w.-]+\/)?latest\/?$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.git', '.runtimes', 'build']);

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = folder ? `${folder}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : filesUnder(path);
    return [path];
  });
}

const repoFiles = filesUnder('');
const baseNames = new Set(repoFiles.map((path) => path.slice(path.lastIndexOf('/') + 1)));
const isPattern = (path: string) => /[<*{$]|\.\.\.|…/.test(path);

/** The path part of a token: no line number (`:42`), anchor, or trailing punctuation. */
function pathOf(token: string): string {
  return token
    .replace(/[#?].*$/, '')
    .replace(/:\d+(-\d+)?$/, '')
    .replace(/[.,;:)]+$/, '');
}

/** Why a path named in a document does not resolve, or undefined when it does. */
function missing(path: string): string | undefined {
  if (isPattern(path) || path === '' || LATEST_POINTER.test(path)) return undefined;
  if (ROOTS.some((root) => path.startsWith(root))) {
    return existsSync(join(ROOT, path)) ? undefined : path;
  }
  if (SOURCE_FILE.test(path)) {
    return baseNames.has(path) || existsSync(join(ROOT, path)) ? undefined : path;
  }
  return undefined;
}

/** Repository paths in text that is not Markdown (code blocks, comments); results/ there names runs. */
const SOURCE_PATH = /(?<![\w./-])(?:src|test|scripts|docs|guests|\.ci)\/[\w./<>*-]*/g;

function markdownProblems(file: string): string[] {
  const whole = readFileSync(join(ROOT, file), 'utf8');
  const problems: string[] = [];
  for (const [block] of whole.matchAll(/^```[\s\S]*?^```/gm)) {
    for (const [token] of block.matchAll(SOURCE_PATH)) {
      const gone = missing(pathOf(token));
      if (gone) problems.push(`${file}: ${gone} (in a code block)`);
    }
  }
  const text = whole.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (!target || /^[a-z]+:|^#/.test(target) || isPattern(target)) continue;
    const path = relative(ROOT, join(ROOT, dirname(file), pathOf(target)));
    if (!existsSync(join(ROOT, path))) problems.push(`${file}: link to ${target}`);
  }
  for (const [, code] of text.matchAll(/`([^`\n]+)`/g)) {
    const token = pathOf((code ?? '').trim().split(/\s+/)[0] ?? '');
    const gone = missing(token);
    if (gone) problems.push(`${file}: \`${code}\``);
  }
  return problems;
}

function commentProblems(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    // A comment line, or the comment at the end of a code line.
    const comment = /^\s*(\*|\/\/|\/\*\*?)/.test(line)
      ? line
      : line.includes('// ')
        ? line.slice(line.indexOf('// '))
        : '';
    const named = [
      ...comment.matchAll(SOURCE_PATH),
      ...comment.matchAll(/(?<![\w./-])[\w-]+\.(?:ts|mjs|c|h|cc|S|sh)\b/g),
    ];
    for (const [token] of named) {
      if (ELSEWHERE.has(token)) continue;
      const gone = missing(pathOf(token));
      if (gone) problems.push(`${file}: ${gone}`);
    }
  }
  return problems;
}

test('README.md and docs/*.md name only paths that exist', () => {
  const docs = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  assert.deepEqual(docs.flatMap(markdownProblems), []);
});

test('comments in src/ name only paths that exist', () => {
  const sources = repoFiles.filter((path) => path.startsWith('src/') && /\.(ts|c|h|cc)$/.test(path));
  assert.deepEqual(sources.flatMap(commentProblems), []);
});

test('README.md stays under 15 KB: detail belongs in docs/', () => {
  const bytes = readFileSync(join(ROOT, 'README.md')).length;
  assert.ok(bytes < 15_000, `README.md is ${bytes} bytes`);
});
