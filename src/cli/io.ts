/** Streams and signals a CLI subcommand uses, injectable so tests can run it in-process. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM), for long-running commands. */
  onStop(listener: () => void): () => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * A reader that went away (`… | head`) makes the next write fail with EPIPE. That is the reader's
 * choice, not an error of ours: stop at once, quietly, with status 0 (instead of an unhandled
 * 'error' event and a stack trace). Any other stream error is still thrown.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WritableStream, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return exit(0);
    throw err;
  });
}

export function defaultIO(): CliIO {
  exitQuietlyOnEpipe(process.stdout);
  exitQuietlyOnEpipe(process.stderr);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onStop(listener) {
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
  };
}

/**
 * The same IO with every string written to stdout and stderr passed through `mask` (the last net
 * for secrets: whatever a subcommand prints, an error message included, is scrubbed).
 */
export function maskedIO(io: CliIO, mask: (text: string) => string): CliIO {
  const wrap = (s: NodeJS.WritableStream & { isTTY?: boolean }) =>
    new Proxy(s, {
      get(target, prop, receiver) {
        if (prop !== 'write') return Reflect.get(target, prop, receiver) as unknown;
        return (chunk: unknown, ...rest: unknown[]) => {
          const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
          return (target.write as (c: string, ...r: unknown[]) => boolean).call(target, mask(text), ...rest);
        };
      },
    });
  return { ...io, stdout: wrap(io.stdout), stderr: wrap(io.stderr) };
}
