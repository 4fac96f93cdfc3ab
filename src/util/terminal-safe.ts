/**
 * Text that came from a file (a results.json, a manifest) made safe to print on a terminal: control
 * characters, which would let the file move the cursor, recolour or clear the screen, retitle the
 * window (ANSI/OSC escapes) or overwrite a line (\r), and bidi overrides, which reorder what is
 * shown, are printed as visible \xNN / \u{NNNN} escapes. Newlines and tabs stay.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
