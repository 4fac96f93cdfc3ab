/** Page building blocks shared by the sections: titled sections, cards and binding swatches. */
import { type HtmlValue, html, type SafeHtml } from '../escape.js';

export function section(id: string, title: string, intro: HtmlValue, body: HtmlValue): SafeHtml {
  return html`<section id="${id}"><h2>${title}</h2>${intro ? html`<p class="intro">${intro}</p>` : ''}${body}</section>`;
}

/** A binding name with its color swatch, as in the charts. */
export function bindingName(name: string, color: string): SafeHtml {
  return html`<span class="binding"><span class="swatch" style="background:${color}"></span>${name}</span>`;
}

/** A figure: a chart with a one-line caption above it. */
export function figure(caption: HtmlValue, chart: SafeHtml): SafeHtml {
  return html`<figure><figcaption>${caption}</figcaption>${chart}</figure>`;
}
