/**
 * Shared helpers for `npm run bench`. Every benchmark prints one JSON line per figure:
 * {"name","value","unit","baseline","ratio"[,"budget","ok"]} — ratios are against bare `ws`
 * measured in the same run, so a noisy machine moves both sides alike.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same figure for the baseline (bare ws), or null when there is none. */
  baseline: number | null;
  /** value / baseline (or baseline / value for lower-is-better units, stated per bench), or null. */
  ratio: number | null;
  /** The budget from DESIGN.md, when one applies, and whether this run met it. */
  budget?: string;
  ok?: boolean;
  [extra: string]: unknown;
}

export function report(r: BenchResult): void {
  const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);
  process.stdout.write(JSON.stringify({ ...r, value: round(r.value), baseline: round(r.baseline), ratio: round(r.ratio) }) + '\n');
}

/** Runs `fn` `rounds` times and returns the median of what it returns (e.g. ops/s). */
export async function median(rounds: number, fn: () => Promise<number> | number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(await fn());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

/**
 * A bench's peer in a child process (so it competes with the measured client for nothing but the
 * wire): `main` runs in the parent, `answer` is the child's reply to each message; the parent gets
 * the child's port.
 */
export function parentOrChild(file: string, answer: (data: Buffer, isBinary: boolean) => Buffer | string, main: (port: number) => Promise<void>): void {
  if (process.argv.includes('--bench-peer')) {
    const { WebSocketServer } = require('ws') as typeof import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    wss.on('error', () => undefined);
    wss.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.on('message', (data, isBinary) => ws.send(answer(data as Buffer, isBinary), { binary: isBinary }));
    });
    wss.on('listening', () => {
      const addr = wss.address();
      process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
    process.on('disconnect', () => process.exit(0));
    return;
  }
  const { fork } = require('node:child_process') as typeof import('node:child_process');
  const child = fork(file, ['--bench-peer'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
  })
    .then(main)
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => child.kill());
}

/**
 * The entry of a bench whose load runs in a child process (forked with `--load-client`): the
 * child runs `child`, the parent runs `main` and exits 0, or 1 with the error on stderr.
 */
export function runWithLoadClient(main: () => Promise<void>, child: () => void): void {
  if (process.argv.includes('--load-client')) {
    child();
    return;
  }
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(String((err as Error)?.stack ?? err) + '\n');
      process.exit(1);
    },
  );
}
