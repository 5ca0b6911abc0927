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
