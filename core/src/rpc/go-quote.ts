const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's `strconv.Quote` (the `%q` verb), so Twirp error messages that quote a path, method or
 * content type are byte-identical to the ones the Go server produced.
 */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const character of text) {
    const named = NAMED_ESCAPES[character];
    if (named !== undefined) {
      quoted += named;
      continue;
    }
    if (PRINTABLE.test(character)) {
      quoted += character;
      continue;
    }
    const codePoint = character.codePointAt(0) ?? 0;
    if (codePoint < 0x80) quoted += `\\x${codePoint.toString(16).padStart(2, '0')}`;
    else if (codePoint < 0x10000) quoted += `\\u${codePoint.toString(16).padStart(4, '0')}`;
    else quoted += `\\U${codePoint.toString(16).padStart(8, '0')}`;
  }
  return `${quoted}"`;
}
