import type { OutputStream, Style } from './cli-io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Shows a spinner on a TTY while `work` runs; does nothing at all for pipes. */
export async function withSpinner<T>(output: OutputStream, style: Style, label: string, work: () => Promise<T>): Promise<T> {
  if (output.isTTY !== true) return work();
  let frame = 0;
  const draw = () => output.write(`\r${style.cyan(FRAMES[frame++ % FRAMES.length]!)} ${style.dim(label)}`);
  draw();
  const timer = setInterval(draw, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    output.write('\r\u001b[2K');
  }
}
