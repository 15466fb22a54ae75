/** Where a command writes: main.ts gives stdout; the commands never touch the process. */
export interface Output {
  line(text: string): void;
  /** Rewrites the current line on a terminal; a new line otherwise. */
  status(text: string): void;
}
