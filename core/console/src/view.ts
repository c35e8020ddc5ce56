/** A page of the console. */
export interface View {
  readonly element: HTMLElement;
  /** Stops what the page runs in the background (a streaming turn, metrics polling). */
  dispose(): void;
}
