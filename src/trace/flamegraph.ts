/**
 * Folded stacks from `perf script` text, and a self-contained flame graph SVG drawn from them
 * (no external scripts: the SVG is static and opens in any browser).
 */
import { escapeHtml } from '../util/escape.js';

/** "frame;frame;frame" → samples, root first. */
export type FoldedStacks = Map<string, number>;

function frameName(line: string): string {
  // "    7f12ab34 ioctl+0x1b (/usr/lib/x86_64-linux-gnu/libc.so.6)" -> "ioctl"
  const match = /^\s*[0-9a-f]+\s+(.+?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)\s*$/.exec(line);
  if (!match) return line.trim();
  const symbol = match[1] === '[unknown]' ? `[${(match[2] ?? '').split('/').pop()}]` : (match[1] as string);
  return symbol.replace(/;/g, ':');
}

export function foldPerfScript(text: string): FoldedStacks {
  const folded: FoldedStacks = new Map();
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((line) => line.trim().length > 0);
    if (lines.length < 2) continue;
    const frames = lines.slice(1).map(frameName).reverse();
    const key = frames.join(';');
    folded.set(key, (folded.get(key) ?? 0) + 1);
  }
  return folded;
}

export function foldedText(folded: FoldedStacks): string {
  return [...folded].map(([stack, count]) => `${stack} ${count}`).join('\n') + '\n';
}

interface Node {
  name: string;
  value: number;
  children: Map<string, Node>;
}

/** Colors frames by where they run, so the binding's layers stand out. */
function color(name: string): string {
  if (/koffi/i.test(name)) return '#e07b39';
  if (/kvmbench\.node|napi_|run_bound|js_|c_loop|run_loop/.test(name)) return '#3a86c8';
  if (/^(ioctl|__GI___ioctl|syscall)|libc/.test(name)) return '#8e6bbf';
  if (/\[kernel|kvm|entry_SYSCALL|do_syscall|__x64_sys/.test(name)) return '#c94f4f';
  if (/^(LazyCompile|Function|JS:|Builtin|\*|~)/.test(name) || /\.js:\d+/.test(name)) return '#5aa55a';
  return '#d8b04a';
}

export function flameGraphSvg(folded: FoldedStacks, title: string): string {
  const root: Node = { name: 'all', value: 0, children: new Map() };
  for (const [stack, count] of folded) {
    root.value += count;
    let node = root;
    for (const frame of stack.split(';')) {
      let child = node.children.get(frame);
      if (!child) {
        child = { name: frame, value: 0, children: new Map() };
        node.children.set(frame, child);
      }
      child.value += count;
      node = child;
    }
  }
  const width = 1200;
  const rowHeight = 16;
  const rects: string[] = [];
  let depthMax = 0;
  const draw = (node: Node, x: number, depth: number) => {
    depthMax = Math.max(depthMax, depth);
    const w = (node.value / Math.max(root.value, 1)) * width;
    if (w < 0.3) return;
    rects.push(
      `<g><title>${escapeHtml(node.name)} (${node.value} samples, ${((node.value / Math.max(root.value, 1)) * 100).toFixed(1)}%)</title>` +
        `<rect x="${x.toFixed(1)}" y="{Y${depth}}" width="${w.toFixed(1)}" height="${rowHeight - 1}" fill="${color(node.name)}" rx="2"/>` +
        (w > 40
          ? `<text x="${(x + 3).toFixed(1)}" y="{T${depth}}" font-size="11">${escapeHtml(node.name.slice(0, Math.floor(w / 7)))}</text>`
          : '') +
        '</g>',
    );
    let childX = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, childX, depth + 1);
      childX += (child.value / Math.max(root.value, 1)) * width;
    }
  };
  draw(root, 0, 0);
  const height = (depthMax + 1) * rowHeight + 40;
  const body = rects
    .join('\n')
    .replace(/\{Y(\d+)\}/g, (_m, d) => String(height - 10 - (Number(d) + 1) * rowHeight))
    .replace(/\{T(\d+)\}/g, (_m, d) => String(height - 10 - Number(d) * rowHeight - 4));
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace">
<rect width="100%" height="100%" fill="#fdfdfd"/>
<text x="6" y="18" font-size="14">${escapeHtml(title)} (${root.value} samples; orange koffi, blue addon, purple libc, red kernel, green JS)</text>
${body}
</svg>
`;
}
