/** The escapers of src/util/escape.ts as the outputs that use them show them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flameGraphSvg } from '../src/trace/flamegraph.js';
import { escapeHtmlInMarkdown } from '../src/util/escape.js';

test('the flame graph escapes frame names and its title as XML', () => {
  const svg = flameGraphSvg(new Map([[`main;operator<<(a&b, "c's")`, 3]]), `run <1> & 'x'`);
  assert.ok(svg.includes('operator&lt;&lt;(a&amp;b, &quot;c&#39;s&quot;)'), svg);
  assert.ok(svg.includes('run &lt;1&gt; &amp; &#39;x&#39;'));
  assert.ok(!svg.includes('a&b'));
});

test('HTML inside Markdown: entities, one line, no mentions', () => {
  assert.equal(escapeHtmlInMarkdown(`<b>"it's"</b>\n@team`), '&lt;b&gt;&quot;it&#39;s&quot;&lt;/b&gt; @\u200bteam');
});
