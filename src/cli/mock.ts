import type { CliIO } from './io';

/** `websocket-workbench mock` — not implemented yet. */
export async function mock(_argv: string[], io: CliIO): Promise<number> {
  io.stderr.write('websocket-workbench mock: not implemented yet\n');
  return 2;
}
