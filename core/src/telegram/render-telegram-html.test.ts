import { describe, expect, it } from 'vitest';
import { escapeHtml, renderTelegramHtml } from './render-telegram-html.js';

describe('escapeHtml', () => {
  it('escapes exactly the three characters Telegram HTML reserves', () => {
    expect(escapeHtml('<b>&"quoted"\'</b>')).toBe('&lt;b&gt;&amp;"quoted"\'&lt;/b&gt;');
  });
});

describe('renderTelegramHtml', () => {
  it('shows HTML-looking text literally instead of interpreting it', () => {
    expect(renderTelegramHtml('Use <b>tags</b> & entities like &amp;')).toBe(
      'Use &lt;b&gt;tags&lt;/b&gt; &amp; entities like &amp;amp;',
    );
  });

  it('renders bold, strike, inline code, links, headings and bullets', () => {
    expect(renderTelegramHtml('# Forecast\n- **Sun** ~~rain~~\n- see [docs](https://x.example/a?b=1&c=2) or `a<b`')).toBe(
      '<b>Forecast</b>\n• <b>Sun</b> <s>rain</s>\n• see <a href="https://x.example/a?b=1&amp;c=2">docs</a> or <code>a&lt;b</code>',
    );
  });

  it('renders fenced code as pre with the language and escapes its content', () => {
    expect(renderTelegramHtml('Run:\n```ts\nif (a < b && c) {}\n```\ndone')).toBe(
      'Run:\n<pre><code class="language-ts">if (a &lt; b &amp;&amp; c) {}</code></pre>\ndone',
    );
  });

  it('leaves snake_case and single asterisks alone', () => {
    expect(renderTelegramHtml('call get_current_time with 2 * 3')).toBe('call get_current_time with 2 * 3');
  });

  it('does not turn javascript: links into anchors', () => {
    expect(renderTelegramHtml('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
  });
});
