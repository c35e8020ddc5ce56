// Keeps a growing log scrolled to its end while the reader is at the end, and leaves them alone
// (offering a "jump to latest" button instead) once they scrolled up to read something.

const PINNED_DISTANCE_PX = 48;

export class ScrollFollower {
  readonly #container: HTMLElement;
  readonly #jumpButton: HTMLButtonElement;
  #isPinned = true;

  constructor(container: HTMLElement, jumpButton: HTMLButtonElement) {
    this.#container = container;
    this.#jumpButton = jumpButton;
    container.addEventListener('scroll', () => {
      this.#isPinned = container.scrollHeight - container.scrollTop - container.clientHeight <= PINNED_DISTANCE_PX;
      if (this.#isPinned) jumpButton.hidden = true;
    });
    jumpButton.addEventListener('click', () => this.scrollToEnd());
  }

  /** Call after the log grew. */
  contentChanged(): void {
    if (this.#isPinned) this.#container.scrollTop = this.#container.scrollHeight;
    else this.#jumpButton.hidden = false;
  }

  /** Jumps to the end and follows again. */
  scrollToEnd(): void {
    this.#isPinned = true;
    this.#jumpButton.hidden = true;
    this.#container.scrollTop = this.#container.scrollHeight;
  }
}
