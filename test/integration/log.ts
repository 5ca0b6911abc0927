import * as fs from 'node:fs';

/** Writes a line to the outer runner's output (console.log inside the extension host goes elsewhere). */
export function hostLog(message: string): void {
  const f = process.env.WSWB_TEST_LOG;
  if (f) fs.appendFileSync(f, message + '\n');
  else console.log(message);
}
