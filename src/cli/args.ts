/**
 * Command-line parsing for every subcommand, on `node:util` `parseArgs`, and the one way bad usage
 * ends: a `UsageError`, printed as `websocket-workbench <command>: <what is wrong>` followed by the
 * command's usage text, exit status 2 (docs/cli-ndjson.md, "Exit status").
 */
import { parseArgs } from 'node:util';
import { CodedError } from '../core/errors';
import type { CliIO } from './io';
import { isOutputMode, visible, type OutputMode } from './output';

/** Bad usage: an unknown option, a missing or malformed value, a bad URL, a missing argument. */
export class UsageError extends CodedError {
  constructor(message: string) {
    super('WSWB_CLI_USAGE', message);
  }
}

/** Exit status of every bad usage. */
export const USAGE_EXIT = 2;

/** The options a command accepts: `-h`/`--help` are added to every command. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** One option, in command-line order (the order of `--send` steps matters). */
export interface OptionToken {
  name: string;
  value: string | undefined;
}

/** A parsed command line: the options in order, and the positional arguments. */
export interface CommandLine {
  options: OptionToken[];
  positionals: string[];
}

export interface ParseOptions {
  /**
   * String options whose value may be left out (`--ping [PAYLOAD]`): given the next argument and
   * whether a positional was seen before, says whether that argument is the option's value; when it
   * is not, the option gets the value ''.
   */
  optionalValue?: Record<string, (next: string | undefined, positionalSeen: boolean) => boolean>;
}

/**
 * Parses argv strictly; throws UsageError for an unknown option or a missing value. Returns the
 * options in order and the positionals, or 'help' when -h/--help is given. The argument after a string option is always
 * its value, even when it starts with '-' (`--send -1`, `--var X=-1`), as before parseArgs: parseArgs
 * calls such values ambiguous, so they are passed to it as `--name=value`.
 */
export function parseCommandLine(argv: readonly string[], spec: OptionSpec, opts: ParseOptions = {}): CommandLine | 'help' {
  const options: OptionSpec = { ...spec, help: { type: 'boolean', short: 'h' } };
  const byFlag = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    byFlag.set(`--${name}`, name);
    if (o.short) byFlag.set(`-${o.short}`, name);
  }
  const args: string[] = [];
  let positionalSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const name = byFlag.get(a);
    const optional = name === undefined ? undefined : opts.optionalValue?.[name];
    if (name !== undefined && options[name]!.type === 'string') {
      const next = argv[i + 1];
      if (optional) args.push(`--${name}=${optional(next, positionalSeen) ? argv[++i]! : ''}`);
      else if (next !== undefined) args.push(`--${name}=${argv[++i]!}`);
      else args.push(a);
      continue;
    }
    if (!a.startsWith('-') || a === '-') positionalSeen = true;
    args.push(a);
  }
  let tokens;
  try {
    ({ tokens } = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const out: CommandLine = { options: [], positionals: [] };
  for (const t of tokens) {
    if (t.kind === 'option') {
      if (t.name === 'help') return 'help';
      out.options.push({ name: t.name, value: t.value });
    } else if (t.kind === 'positional') out.positionals.push(t.value);
  }
  return out;
}

/** The one positional argument a command takes (`<file>`, `<url>`), or a UsageError. */
export function single(positionals: readonly string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}' (${what} is '${positionals[0]}')`);
  return positionals[0]!;
}

/** `value` as an integer within [min, max], or a UsageError naming the option. */
export function intValue(what: string, value: string | undefined, min: number, max: number): number {
  const n = value !== undefined && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${what} must be an integer from ${min} to ${max}, got '${value ?? ''}'`);
  return n;
}

/** A value that must not be empty (a name, a host, a path). */
export function nonEmpty(what: string, value: string | undefined): string {
  if (!value) throw new UsageError(`${what} needs a value`);
  return value;
}

/** `value` if it is one of `allowed`, or a UsageError listing them. */
export function oneOf<T extends string>(what: string, value: string | undefined, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${what} must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}, got '${value ?? ''}'`);
  return value as T;
}

/** An `--output` value of connect, mock and run. */
export function outputValue(value: string | undefined): OutputMode {
  if (value === undefined || !isOutputMode(value)) throw new UsageError(`--output must be ndjson, pretty or none, got '${value ?? ''}'`);
  return value;
}

/**
 * Runs a command's parser: the parsed arguments, or the exit status when it printed its usage
 * (0 for --help, USAGE_EXIT for a UsageError). Any other error propagates.
 */
export function parseOrUsage<T>(command: string, usage: string, io: CliIO, parse: () => T | 'help'): T | number {
  try {
    const args = parse();
    if (args !== 'help') return args;
    io.stdout.write(usage);
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`websocket-workbench ${command}: ${visible(err.message)}\n\n${usage}`);
    return USAGE_EXIT;
  }
}

/** A parsed command line as values by option name (`multiple` names collect every occurrence). */
export interface CommandValues {
  values: Record<string, string | boolean | undefined>;
  lists: Record<string, string[]>;
  positionals: string[];
}

/**
 * Parses argv strictly like parseCommandLine, for commands that read their options by name rather
 * than in order. Throws UsageError; 'help' for -h/--help.
 */
export function parseValues(argv: readonly string[], spec: OptionSpec): CommandValues | 'help' {
  const cl = parseCommandLine(argv, spec);
  if (cl === 'help') return cl;
  const out: CommandValues = { values: {}, lists: {}, positionals: cl.positionals };
  for (const { name, value } of cl.options) {
    if (spec[name]?.multiple) (out.lists[name] ??= []).push(value ?? '');
    else out.values[name] = spec[name]?.type === 'boolean' ? true : value;
  }
  return out;
}

/** `--var NAME=VALUE` occurrences as a map, or a UsageError for one without `=` or with a bad name. */
export function varsValue(list: readonly string[] | undefined): Record<string, string> {
  const vars: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const s of list ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(s);
    if (!m) throw new UsageError(`--var needs NAME=VALUE, got '${s}'`);
    vars[m[1]!] = m[2]!;
  }
  return vars;
}
