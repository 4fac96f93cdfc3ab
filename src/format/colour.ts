/**
 * Colour for verdicts and failures, through Node's own util.styleText, only where it helps: on a
 * terminal, unless NO_COLOR is set; FORCE_COLOR turns it on anywhere (a CI log that renders it).
 */
import { styleText } from 'node:util';

type Style = 'red' | 'green' | 'yellow' | 'bold' | 'dim';

export function colourFor(stream: { isTTY?: boolean } = process.stdout): (style: Style, text: string) => string {
  const force = process.env.FORCE_COLOR;
  const on =
    force !== undefined && force !== '0' && force !== 'false'
      ? true
      : process.env.NO_COLOR === undefined || process.env.NO_COLOR === ''
        ? stream.isTTY === true && force !== '0'
        : false;
  return on ? (style, text) => styleText(style, text) : (_style, text) => text;
}
