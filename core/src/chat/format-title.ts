/** Longest title, in user-perceived characters (grapheme clusters). */
export const MAX_TITLE_CHARACTERS = 60;
/** Most words a title keeps. */
export const MAX_TITLE_WORDS = 7;
/** What a conversation is called when nothing better can be derived. */
export const DEFAULT_TITLE = 'New Conversation';

// Lower-cased inside a title (never as its first word), as the old service did.
const SMALL_WORDS = new Set(['a', 'an', 'the', 'and', 'but', 'or', 'for', 'nor', 'on', 'at', 'to', 'by', 'in', 'of', 'with']);
const WRAPPING = /^["'`«»“”‘’„*_\-–—\s]+|["'`«»“”‘’„*_\-–—\s]+$/gu;
const TRAILING_PUNCTUATION = /[\s.,;:!?…。、！？]+$/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Normalizes a model-written (or derived) title: one line, no wrapping quotes or trailing
 * punctuation, at most 7 words and 60 characters (cut on grapheme boundaries, never inside a
 * character), title case with small words lower-cased except the first, acronyms and brand
 * casing (NYC, AI, iPhone) kept. Returns '' when nothing is left.
 */
export function formatTitle(raw: string): string {
  let text = raw.replace(/\s+/gu, ' ').trim();
  text = text.replace(/^title\s*:\s*/iu, '');
  text = stripEdges(text);
  const words = text.split(' ').filter((word) => word.length > 0).slice(0, MAX_TITLE_WORDS);
  const cased = words.map((word, index) => titleCaseWord(word, index === 0));
  return stripEdges(truncateOnWords(cased, MAX_TITLE_CHARACTERS));
}

/** A title made from the first message when the model cannot give one. */
export function fallbackTitle(firstMessage: string): string {
  return formatTitle(firstMessage) || DEFAULT_TITLE;
}

function stripEdges(text: string): string {
  let current = text;
  for (;;) {
    const next = current.replace(WRAPPING, '').replace(TRAILING_PUNCTUATION, '');
    if (next === current) return current;
    current = next;
  }
}

function titleCaseWord(word: string, isFirst: boolean): string {
  const letters = word.replace(/[^\p{L}]/gu, '');
  // Acronyms (NYC, AI, U.S.) and deliberate inner capitals (iPhone, OpenAI) are kept as written.
  const isAcronym = letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
  const hasInnerCapital = /\p{Ll}.*\p{Lu}/u.test(word);
  if (isAcronym || hasInnerCapital) return word;
  const lower = word.toLowerCase();
  if (!isFirst && SMALL_WORDS.has(lower)) return lower;
  const [first = '', ...rest] = Array.from(graphemes.segment(lower), (segment) => segment.segment);
  return first.toUpperCase() + rest.join('');
}

function length(text: string): number {
  let count = 0;
  for (const _segment of graphemes.segment(text)) count += 1;
  return count;
}

function truncateOnWords(words: readonly string[], limit: number): string {
  let result = '';
  for (const word of words) {
    const candidate = result === '' ? word : `${result} ${word}`;
    if (length(candidate) > limit) break;
    result = candidate;
  }
  if (result !== '' || words.length === 0) return result;
  // A single word longer than the limit: cut it on a grapheme boundary.
  return Array.from(graphemes.segment(words[0]!), (segment) => segment.segment)
    .slice(0, limit)
    .join('');
}
