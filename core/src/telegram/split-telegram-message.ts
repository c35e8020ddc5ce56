/** Telegram's maximum message length. */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

type Atom =
  | { kind: 'open'; raw: string; name: string }
  | { kind: 'close'; raw: string; name: string }
  | { kind: 'space'; raw: string }
  | { kind: 'text'; raw: string };

const ATOM = /<\/([a-z][a-z0-9-]*)\s*>|<([a-z][a-z0-9-]*)(?:\s[^>]*)?>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);|\s+|[^<&\s]+|[<&]/gi;

function tokenize(html: string): Atom[] {
  const atoms: Atom[] = [];
  for (const match of html.matchAll(ATOM)) {
    const raw = match[0];
    if (match[1] !== undefined) atoms.push({ kind: 'close', raw, name: match[1].toLowerCase() });
    else if (match[2] !== undefined) atoms.push({ kind: 'open', raw, name: match[2].toLowerCase() });
    else if (/^\s+$/.test(raw)) atoms.push({ kind: 'space', raw });
    else {
      // Entities and words next to each other are one word: never cut between them.
      const previous = atoms.at(-1);
      if (previous?.kind === 'text') previous.raw += raw;
      else atoms.push({ kind: 'text', raw });
    }
  }
  return atoms;
}

// Cuts a word longer than a whole message into pieces of at most `size` UTF-16 units,
// never inside a surrogate pair or an entity.
function hardSplit(word: string, size: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const unit of word.match(/&(?:[a-z]+|#\d+|#x[0-9a-f]+);|[\s\S]/giu) ?? []) {
    if (piece.length + unit.length > size && piece !== '') {
      pieces.push(piece);
      piece = '';
    }
    piece += unit;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

interface OpenTag {
  name: string;
  raw: string;
}

/**
 * Splits Telegram HTML (balanced tags, escaped text) into messages of at most `limit` characters.
 * Cuts at whitespace — preferring a line break in the second half of a message — never inside a
 * word, tag or entity; tags open at a cut are closed at the end of one message and reopened at the
 * start of the next, so every part parses on its own. Only a word longer than a whole message is cut.
 */
export function splitTelegramMessage(html: string, limit: number = TELEGRAM_MESSAGE_LIMIT): string[] {
  const atoms = tokenize(html);
  const chunks: string[] = [];
  let stack: OpenTag[] = [];
  let current = '';
  let hasContent = false;
  // The last line break in the current chunk: where to rewind to when the chunk overflows.
  let lineBreak: { atomIndex: number; length: number; stack: OpenTag[] } | undefined;

  const closers = (tags: readonly OpenTag[]) => tags.map((tag) => `</${tag.name}>`).reverse().join('');
  const openers = (tags: readonly OpenTag[]) => tags.map((tag) => tag.raw).join('');
  const closersLength = () => closers(stack).length;

  const flush = () => {
    if (hasContent) chunks.push(current.replace(/\s+$/, '') + closers(stack));
    current = openers(stack);
    hasContent = false;
    lineBreak = undefined;
  };

  for (let index = 0; index < atoms.length; index++) {
    const atom = atoms[index]!;
    const fits = (extra: number) => current.length + extra + closersLength() <= limit;
    switch (atom.kind) {
      case 'space': {
        if (!hasContent) break;
        if (!fits(atom.raw.length)) {
          flush();
          break;
        }
        if (atom.raw.includes('\n')) lineBreak = { atomIndex: index, length: current.length, stack: [...stack] };
        current += atom.raw;
        break;
      }
      case 'text': {
        if (fits(atom.raw.length)) {
          current += atom.raw;
          hasContent = true;
          break;
        }
        if (lineBreak && lineBreak.length >= limit / 2) {
          // Rewind to the last line break and cut there instead of mid-paragraph.
          current = current.slice(0, lineBreak.length);
          stack = lineBreak.stack;
          index = lineBreak.atomIndex;
          flush();
          break;
        }
        if (hasContent) flush();
        if (fits(atom.raw.length)) {
          current += atom.raw;
          hasContent = true;
          break;
        }
        const room = Math.max(1, limit - openers(stack).length - closersLength());
        const pieces = hardSplit(atom.raw, room);
        pieces.forEach((piece, pieceIndex) => {
          current += piece;
          hasContent = true;
          if (pieceIndex < pieces.length - 1) flush();
        });
        break;
      }
      case 'open': {
        // Room for the tag, its closer and at least one character; otherwise start a new message.
        if (hasContent && !fits(atom.raw.length + atom.name.length + 4)) flush();
        current += atom.raw;
        stack.push({ name: atom.name, raw: atom.raw });
        break;
      }
      case 'close': {
        const position = stack.map((tag) => tag.name).lastIndexOf(atom.name);
        if (position === -1) break; // stray closer: drop it rather than send unparsable HTML
        current += atom.raw;
        stack = stack.slice(0, position);
        break;
      }
    }
  }
  flush();
  return chunks;
}
