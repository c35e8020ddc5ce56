/** Escapes text for Telegram's HTML parse mode: only `&`, `<` and `>` (and `"` inside attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

// Inline Markdown the model commonly writes, applied to already-escaped text. Tags never nest
// across these rules in a way Telegram rejects: code is cut out first, links before bold.
function renderInline(escaped: string): string {
  return escaped
    .replace(/\[([^\]\n<>]+)\]\((https?:\/\/[^\s)<>"]+)\)/g, (_match, text: string, url: string) => `<a href="${url.replace(/"/g, '&quot;')}">${text}</a>`)
    .replace(/\*\*(?=\S)([^*\n<>]*?\S)\*\*/g, '<b>$1</b>')
    .replace(/~~(?=\S)([^~\n<>]*?\S)~~/g, '<s>$1</s>');
}

function renderProse(text: string): string {
  const lines = text.split('\n').map((line) => {
    const heading = /^#{1,6}\s+(.+)$/.exec(line);
    if (heading) return `**${heading[1]}**`;
    return line.replace(/^(\s*)[-*]\s+/, '$1• ');
  });
  const parts = lines.join('\n').split(/(`[^`\n]+`)/);
  return parts
    .map((part, index) =>
      index % 2 === 1 ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : renderInline(escapeHtml(part)),
    )
    .join('');
}

/**
 * Turns a model reply (plain text with light Markdown) into Telegram HTML: every `<`, `>` and `&`
 * of the text is escaped; fenced code becomes `<pre>`, `code` becomes `<code>`, `**bold**` `<b>`,
 * `~~strike~~` `<s>`, http(s) links `<a>`, headings bold and list bullets `•`. The output's tags are
 * always balanced, so splitTelegramMessage can cut it safely.
 */
export function renderTelegramHtml(markdown: string): string {
  const pieces = markdown.split(/```([\w+-]*)[^\S\n]*\n?([\s\S]*?)```/);
  let html = '';
  for (let index = 0; index < pieces.length; index += 3) {
    html += renderProse(pieces[index] ?? '');
    if (index + 2 < pieces.length) {
      const language = pieces[index + 1] ?? '';
      const code = escapeHtml((pieces[index + 2] ?? '').replace(/\n$/, ''));
      html += language ? `<pre><code class="language-${escapeAttribute(language)}">${code}</code></pre>` : `<pre>${code}</pre>`;
    }
  }
  return html.trim();
}
