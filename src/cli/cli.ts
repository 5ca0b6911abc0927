/**
 * `websocket-workbench` — the engine, headless. Each subcommand lives in its own module and returns
 * an exit code; this file only dispatches and turns unexpected exceptions into exit code 2.
 */
import type { CliIO } from './io';
import { defaultIO } from './io';
import { visible } from './output';

type Subcommand = (argv: string[], io: CliIO) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  connect: { summary: 'connect to a URL, send, print every frame and message', load: async () => (await import('./connect')).connect },
  export: { summary: 'turn a recorded session into a scenario, or a scenario into an Artillery script', load: async () => (await import('./export')).exportCommand },
  load: { summary: 'many users of a request or scenario at once, with a latency summary', load: async () => (await import('./load')).load },
  mock: { summary: 'run a mock server from a collection file', load: async () => (await import('./mock')).mock },
  run: { summary: 'run scenarios and requests as tests (ndjson, junit, tap), or one request\'s timeline', load: async () => (await import('./run')).run },
  validate: { summary: 'check collection files against the schema', load: async () => (await import('./validate')).validate },
};

function usage(): string {
  const lines = ['Usage: websocket-workbench <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `websocket-workbench <command> --help` for its options.');
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.stderr.write(`websocket-workbench: unknown command '${visible(name)}'\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    io.stderr.write(`websocket-workbench ${name}: ${visible(err instanceof Error ? err.message : String(err))}\n`);
    return 2;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(String(err) + '\n');
      process.exitCode = 2;
    },
  );
}
