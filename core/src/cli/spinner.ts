import type { OutputStream, Style } from './cli-io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A running spinner; `stop` clears its line and may be called any number of times. */
export interface Spinner {
  stop(): void;
}

/** Starts a spinner on a TTY (nothing at all for pipes), until `stop`. */
export function startSpinner(output: OutputStream, style: Style, label: string): Spinner {
  if (output.isTTY !== true) return { stop: () => {} };
  let frame = 0;
  const draw = () => output.write(`\r${style.cyan(FRAMES[frame++ % FRAMES.length]!)} ${style.dim(label)}`);
  draw();
  let timer: NodeJS.Timeout | undefined = setInterval(draw, 80);
  return {
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      output.write('\r\u001b[2K');
    },
  };
}

/** Shows a spinner on a TTY while `work` runs; does nothing at all for pipes. */
export async function withSpinner<T>(output: OutputStream, style: Style, label: string, work: () => Promise<T>): Promise<T> {
  const spinner = startSpinner(output, style, label);
  try {
    return await work();
  } finally {
    spinner.stop();
  }
}
