import type { CliIO } from './io';

/** `websocket-workbench run` — not implemented yet. */
export async function run(_argv: string[], io: CliIO): Promise<number> {
  io.stderr.write('websocket-workbench run: not implemented yet\n');
  return 2;
}
