// One line per measured target, `@result {...}`, that bench/all.ts collects into the summary
// printed at the end of `npm run bench`.

export interface Result {
  target: string;
  figure: string;
  goal: string;
  met: boolean;
}

export const RESULT_PREFIX = '@result ';

export function emitResult(r: Result): void {
  console.log(RESULT_PREFIX + JSON.stringify(r));
}
