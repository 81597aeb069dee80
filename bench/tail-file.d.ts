// Types for the parts of tail-file 1.4.16 (which ships none) that bench/follow-tailfile.ts uses.
declare module 'tail-file' {
  import { EventEmitter } from 'node:events';

  interface TailOptions {
    /** 'end', 'start', or a character count into the primary file to skip. */
    startPos?: 'end' | 'start' | number;
    force?: boolean;
    sep?: string;
    encoding?: string;
  }

  class Tail extends EventEmitter {
    constructor(filename: string, options?: TailOptions);
    /** Character position just after the line being emitted, in the file being read. */
    posNext: number;
    /** The file being read now. */
    started: string | null;
    start(filename?: string): void;
    stop(): Promise<boolean>;
    on(event: 'line', listener: (line: string) => void): this;
    on(event: 'restart', listener: (reason: string) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'ready' | 'eof' | 'secondary', listener: (arg: unknown) => void): this;
  }
  export = Tail;
}
