// A rough model of Telegram's HTML parse mode (tdlib's parse_html): supported tags only, properly
// nested, `<` only as a tag, `&` only as a known named or numeric entity. Error strings follow the
// real "can't parse entities: …" descriptions.

const SUPPORTED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'tg-emoji',
  'blockquote',
]);

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type HtmlCheck = { ok: true; text: string } | { ok: false; error: string };

/** Checks Telegram HTML and returns the text after entity parsing (tags removed, entities decoded). */
export function checkTelegramHtml(html: string): HtmlCheck {
  const stack: string[] = [];
  let text = '';
  let index = 0;
  const byteOffset = (position: number) => Buffer.byteLength(html.slice(0, position), 'utf8');
  while (index < html.length) {
    const character = html[index]!;
    if (character === '&') {
      const entity = /^&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/.exec(html.slice(index));
      if (!entity) {
        // Telegram keeps a lone & that does not look like an entity (e.g. "a & b").
        text += '&';
        index += 1;
        continue;
      }
      const name = entity[1]!;
      if (name.startsWith('#')) {
        const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
        text += String.fromCodePoint(code);
      } else if (NAMED_ENTITIES[name] !== undefined) {
        text += NAMED_ENTITIES[name];
      } else {
        return { ok: false, error: `Unsupported HTML entity "&${name};" at byte offset ${byteOffset(index)}` };
      }
      index += entity[0].length;
      continue;
    }
    if (character === '<') {
      const end = html.indexOf('>', index);
      if (end === -1) return { ok: false, error: `Unclosed start tag at byte offset ${byteOffset(index)}` };
      const tag = html.slice(index + 1, end);
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim().toLowerCase();
        const expected = stack.pop();
        if (expected === undefined) return { ok: false, error: `Unexpected end tag at byte offset ${byteOffset(index)}` };
        if (name !== expected) {
          return {
            ok: false,
            error: `Unmatched end tag at byte offset ${byteOffset(index)}, expected "</${expected}>", found "</${name}>"`,
          };
        }
      } else {
        const name = /^[a-zA-Z][a-zA-Z0-9-]*/.exec(tag)?.[0]?.toLowerCase();
        if (name === undefined) {
          return { ok: false, error: `Unsupported start tag "${tag}" at byte offset ${byteOffset(index)}` };
        }
        if (!SUPPORTED_TAGS.has(name)) {
          return { ok: false, error: `Unsupported start tag "${name}" at byte offset ${byteOffset(index)}` };
        }
        const attributes = tag.slice(name.length);
        if (/<|&(?!(?:#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);)/.test(attributes)) {
          return { ok: false, error: `Unclosed start tag at byte offset ${byteOffset(index)}` };
        }
        stack.push(name);
      }
      index = end + 1;
      continue;
    }
    if (character === '>') {
      // Real Telegram accepts a bare '>' in text.
      text += '>';
      index += 1;
      continue;
    }
    text += character;
    index += 1;
  }
  if (stack.length > 0) return { ok: false, error: `Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { ok: true, text };
}
