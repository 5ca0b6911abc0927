import type { CliIO } from './io';

/** `websocket-workbench validate` — not implemented yet. */
export async function validate(_argv: string[], io: CliIO): Promise<number> {
  io.stderr.write('websocket-workbench validate: not implemented yet\n');
  return 2;
}
