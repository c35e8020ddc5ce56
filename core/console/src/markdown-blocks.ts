// A deliberately small Markdown subset for replies: what chat models actually write (paragraphs,
// lists, headings, quotes, fenced code, `code`, **bold**, *italic*). It produces a plain data tree that
// the renderer turns into DOM nodes with text content only, so markup in a reply stays text. Links and
// images are not recognised (no URL from a reply ever becomes an href or a fetch); raw HTML is text.

export type InlineKind = 'text' | 'code' | 'strong' | 'emphasis';

export interface InlineSpan {
  readonly kind: InlineKind;
  readonly text: string;
}

export type MarkdownBlock =
  | { readonly kind: 'paragraph'; readonly spans: readonly InlineSpan[] }
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly spans: readonly InlineSpan[] }
  | { readonly kind: 'quote'; readonly spans: readonly InlineSpan[] }
  | { readonly kind: 'code'; readonly language: string; readonly text: string }
  | { readonly kind: 'list'; readonly isOrdered: boolean; readonly start: number; readonly items: readonly (readonly InlineSpan[])[] };

const FENCE = /^\s{0,3}(```+|~~~+)\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

/** Splits text into blocks. An unclosed code fence (a reply still streaming) runs to the end. */
export function parseMarkdownBlocks(text: string): MarkdownBlock[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: MarkdownBlock[] = [];
  let paragraph: string[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', spans: parseInlineSpans(paragraph.join('\n')) });
    paragraph = [];
  };

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      const marker = fence[1]!;
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index]!.trim().startsWith(marker)) {
        body.push(lines[index]!);
        index += 1;
      }
      blocks.push({ kind: 'code', language: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushParagraph();
      blocks.push({ kind: 'heading', level: Math.min(heading[1]!.length, 3) as 1 | 2 | 3, spans: parseInlineSpans(heading[2]!) });
      continue;
    }
    const listMatch = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (listMatch) {
      flushParagraph();
      const isOrdered = NUMBERED.test(line);
      const items: InlineSpan[][] = [];
      const start = isOrdered ? Number(NUMBERED.exec(line)![1]) : 1;
      while (index < lines.length) {
        const item = isOrdered ? NUMBERED.exec(lines[index]!) : BULLET.exec(lines[index]!);
        if (!item) break;
        items.push(parseInlineSpans(isOrdered ? item[2]! : item[1]!));
        index += 1;
      }
      index -= 1;
      blocks.push({ kind: 'list', isOrdered, start, items });
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      flushParagraph();
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index]!)) {
        quoted.push(QUOTE.exec(lines[index]!)![1]!);
        index += 1;
      }
      index -= 1;
      blocks.push({ kind: 'quote', spans: parseInlineSpans(quoted.join('\n')) });
      continue;
    }
    paragraph.push(line);
  }
  flushParagraph();
  return blocks;
}

// Underscores never emphasise inside a word (`window.__proto__x`, `snake_case`), as in CommonMark.
const EMPHASIS = /\*\*(?=\S)([\s\S]*?\S)\*\*|(?<!\w)__(?=\S)([\s\S]*?\S)__(?!\w)|(?<![\w*])\*(?=[^\s*])([\s\S]*?[^\s*])\*(?![\w*])|(?<![\w_])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w_])/g;

/** Inline code first (its content is literal), then bold and italic in what is left. */
export function parseInlineSpans(text: string): InlineSpan[] {
  const spans: InlineSpan[] = [];
  const codePattern = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  let position = 0;
  for (const match of text.matchAll(codePattern)) {
    spans.push(...emphasisSpans(text.slice(position, match.index)));
    spans.push({ kind: 'code', text: match[2]!.replace(/^ (.*) $/s, '$1') });
    position = match.index + match[0].length;
  }
  spans.push(...emphasisSpans(text.slice(position)));
  return spans;
}

function emphasisSpans(text: string): InlineSpan[] {
  if (text === '') return [];
  const spans: InlineSpan[] = [];
  let position = 0;
  for (const match of text.matchAll(EMPHASIS)) {
    if (match.index > position) spans.push({ kind: 'text', text: text.slice(position, match.index) });
    const strong = match[1] ?? match[2];
    spans.push(strong !== undefined ? { kind: 'strong', text: strong } : { kind: 'emphasis', text: (match[3] ?? match[4])! });
    position = match.index + match[0].length;
  }
  if (position < text.length) spans.push({ kind: 'text', text: text.slice(position) });
  return spans;
}
