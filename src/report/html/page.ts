/** The head every kvmbench page shares: one Content-Security-Policy (no scripts, no requests), the CSS. */
import { REPORT_CSS } from './css.js';
import { html, type SafeHtml, trustedConstant } from './escape.js';

/** Self-contained pages: inline styles and data: images only, nothing fetched, no script. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'";

export function pageHead(title: string, options: { generator?: string; extraCss?: string } = {}): SafeHtml {
  const generator = options.generator ? html`\n<meta name="generator" content="${options.generator}">` : '';
  return html`<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">${generator}
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${trustedConstant(REPORT_CSS)}${trustedConstant(options.extraCss ?? '')}</style>
</head>`;
}
