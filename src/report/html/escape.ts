/**
 * Safe markup for the report. Every string the report shows may come from the host or the run
 * (CPU model, binding names, error messages), so markup is built with the `html` tag, which escapes
 * every interpolated value unless it is already SafeHtml. Forgetting to escape then takes effort.
 */

import { escapeHtml } from '../../util/escape.js';

/** Markup that is already escaped (or is a trusted constant): the `html` tag inserts it as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text and numbers are escaped; null, undefined and false render nothing. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are trusted markup, every interpolation is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out);
}

/** Marks a constant written in this code base (the stylesheet) as markup. Never pass run data. */
export function trustedConstant(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
