import type { ChatTurnEvent } from '../client/index.js';
import type { OutputStream, Style } from './cli-io.js';
import { startSpinner, type Spinner } from './spinner.js';

/** Where and how a turn is shown. */
export interface TurnPrinterOptions {
  /** Receives the reply text (stdout). */
  readonly text: OutputStream;
  /** Receives the tool-call lines: stdout in a session, stderr for `-m` so stdout stays the reply. */
  readonly progress: OutputStream;
  readonly style: Style;
  /** Written before each stretch of reply text (`acai> ` in a session, nothing for `-m`). */
  readonly replyPrefix: string;
  /** Only the spinner (for `--json`, which prints one document at the end). */
  readonly isQuiet?: boolean;
}

const MAX_ARGUMENT_CHARACTERS = 120;

/**
 * Shows a turn while it streams: a spinner until something arrives, the reply text as it comes (each
 * stretch trimmed like the stored reply: leading space skipped, trailing space held back until more
 * text follows), and a line when a tool call starts and when it finishes. Text the model writes before
 * calling tools is shown too; the final reply is printed whole when nothing of it was streamed.
 */
export class TurnPrinter {
  readonly #options: TurnPrinterOptions;
  readonly #spinner: Spinner;
  #hasStretch = false;
  #stretch = '';
  #heldWhitespace = '';

  constructor(options: TurnPrinterOptions) {
    this.#options = options;
    this.#spinner = startSpinner(options.text, options.style, 'thinking…');
  }

  show(event: ChatTurnEvent): void {
    if (this.#options.isQuiet) {
      if (event.event === 'message') this.#spinner.stop();
      return;
    }
    switch (event.event) {
      case 'conversation':
        return;
      case 'delta':
        this.#write(event.data.text);
        return;
      case 'tool_call_started': {
        this.#endStretch();
        const { name, arguments: raw } = event.data;
        const shown = raw.length > MAX_ARGUMENT_CHARACTERS ? `${raw.slice(0, MAX_ARGUMENT_CHARACTERS)}…` : raw;
        this.#options.progress.write(`${this.#options.style.dim(`  → ${name} ${shown}`)}\n`);
        return;
      }
      case 'tool_call_finished': {
        const { name, outcome, duration_ms: durationMs } = event.data;
        const mark = outcome === 'ok' ? '←' : '✗';
        this.#options.progress.write(`${this.#options.style.dim(`  ${mark} ${name} ${outcome} (${durationMs} ms)`)}\n`);
        return;
      }
      case 'message': {
        const { reply } = event.data;
        const wasStreamed = this.#hasStretch && this.#stretch === reply;
        this.#endStretch();
        // Nothing streamed, or what streamed was not the reply (the model's text was replaced).
        if (!wasStreamed) this.#options.text.write(`${this.#options.replyPrefix}${reply}\n`);
        return;
      }
    }
  }

  /** The turn failed: end a half-written line so the error starts on its own. */
  abandon(): void {
    this.#spinner.stop();
    this.#endStretch();
  }

  #write(piece: string): void {
    const text = this.#hasStretch ? piece : piece.trimStart();
    if (text === '') return;
    const body = text.trimEnd();
    if (body === '') {
      this.#heldWhitespace += text;
      return;
    }
    if (!this.#hasStretch) {
      this.#spinner.stop();
      this.#options.text.write(this.#options.replyPrefix);
      this.#hasStretch = true;
    }
    const shown = this.#heldWhitespace + body;
    this.#options.text.write(shown);
    this.#stretch += shown;
    this.#heldWhitespace = text.slice(body.length);
  }

  #endStretch(): void {
    this.#spinner.stop();
    if (this.#hasStretch) this.#options.text.write('\n');
    this.#hasStretch = false;
    this.#stretch = '';
    this.#heldWhitespace = '';
  }
}
