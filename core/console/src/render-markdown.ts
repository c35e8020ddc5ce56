import { element, type Child } from './dom.js';
import { parseMarkdownBlocks, type InlineSpan, type MarkdownBlock } from './markdown-blocks.js';

/** Reply text → DOM nodes (text nodes only; see markdown-blocks.ts for what is recognised). */
export function renderMarkdown(text: string): Node[] {
  return parseMarkdownBlocks(text).map(renderBlock);
}

function renderBlock(block: MarkdownBlock): Node {
  switch (block.kind) {
    case 'paragraph':
      return element('p', {}, ...renderSpans(block.spans));
    case 'heading':
      return element(block.level === 1 ? 'h3' : block.level === 2 ? 'h4' : 'h5', {}, ...renderSpans(block.spans));
    case 'quote':
      return element('blockquote', {}, ...renderSpans(block.spans));
    case 'code':
      return element('pre', { class: 'code-block', 'data-language': block.language || undefined }, element('code', {}, block.text));
    case 'list': {
      const items = block.items.map((spans) => element('li', {}, ...renderSpans(spans)));
      return block.isOrdered ? element('ol', { start: block.start === 1 ? undefined : block.start }, ...items) : element('ul', {}, ...items);
    }
  }
}

function renderSpans(spans: readonly InlineSpan[]): Child[] {
  return spans.map((span) => {
    switch (span.kind) {
      case 'code':
        return element('code', {}, span.text);
      case 'strong':
        return element('strong', {}, span.text);
      case 'emphasis':
        return element('em', {}, span.text);
      default:
        return span.text;
    }
  });
}
