import type { CliIO } from './io';

/** `websocket-workbench connect` — not implemented yet. */
export async function connect(_argv: string[], io: CliIO): Promise<number> {
  io.stderr.write('websocket-workbench connect: not implemented yet\n');
  return 2;
}
