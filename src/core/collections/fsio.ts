/**
 * File I/O for collections: atomic writes (temp file in the same directory, fsync, rename), and a
 * read-modify-write that refuses to touch a file that does not currently validate or that changed
 * on disk since it was read.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseCollection } from './parse';
import { CollectionError } from './types';
import type { ParseResult } from './types';

/**
 * Writes `data` to `file` so that readers see either the old or the new content, never a mix:
 * write a temp file next to it, fsync it, rename over the target, then fsync the directory.
 */
export async function atomicWriteFile(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let mode: number | undefined;
  try {
    mode = (await fs.stat(file)).mode & 0o777;
  } catch {
    mode = undefined;
  }
  const handle = await fs.open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // Make the rename itself durable; not supported everywhere (Windows), so best effort.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // ignore
  }
}

/**
 * Largest collection file read by default (5 MiB). Collections arrive with cloned repositories:
 * without a cap a 12 MB file took 746 MB of memory to validate. The extension's setting
 * `websocketWorkbench.collections.maxFileSizeMB` and the CLI's `WSWB_MAX_FILE_SIZE_MB` change it.
 */
export const DEFAULT_MAX_COLLECTION_MB = 5;

/** Bytes from a limit in MiB, bounded to 1..1024 (anything else gives the default). */
export function collectionSizeLimit(mb: unknown): number {
  const n = typeof mb === 'string' && mb.trim() !== '' ? Number(mb) : mb;
  const v = typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(n, 1024) : DEFAULT_MAX_COLLECTION_MB;
  return Math.round(v * 1024 * 1024);
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** Options of readCollectionFile. */
export interface ReadCollectionOptions {
  /** Largest file size in bytes (default 5 MiB); a larger file is a WSWB_FILE_TOO_LARGE diagnostic and is not read. */
  maxBytes?: number;
}

/** Reads and parses a collection file; I/O errors and oversized files become a diagnostic, never an exception. */
export async function readCollectionFile(file: string, opts: ReadCollectionOptions = {}): Promise<ParseResult & { text?: string }> {
  const maxBytes = opts.maxBytes ?? collectionSizeLimit(undefined);
  let text: string;
  try {
    // Size from the open handle, and never more than the limit read: the file may grow in between.
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const buf = size > maxBytes ? undefined : Buffer.alloc(Math.min(size, maxBytes) + 1);
      let n = 0;
      if (buf) {
        for (;;) {
          const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
          if (bytesRead === 0) break;
          n += bytesRead;
          if (n === buf.length) break;
        }
      }
      if (!buf || n > maxBytes) {
        const shown = Math.max(size, n);
        return {
          ok: false,
          errors: [
            {
              code: 'WSWB_FILE_TOO_LARGE',
              file,
              line: 1,
              column: 1,
              offset: 0,
              length: 0,
              message: `file is ${mib(shown)}, above the ${mib(maxBytes)} limit for collection files; not read (raise websocketWorkbench.collections.maxFileSizeMB, or WSWB_MAX_FILE_SIZE_MB for the CLI)`,
              path: '',
            },
          ],
        };
      }
      text = buf.toString('utf8', 0, n);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return {
      ok: false,
      errors: [{ code: 'WSWB_FILE_READ', file, line: 1, column: 1, offset: 0, length: 0, message: `cannot read file (${code})`, path: '' }],
    };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ...parseCollection(text, file), text };
}

/**
 * A limiter: `run(fn)` starts `fn` when fewer than `limit` calls are in flight, else queues it (FIFO).
 * Bounds the collection files read at once (a clone or a checkout can bring thousands).
 */
export function createLimiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        fn().then(resolve, reject).finally(release);
      };
      if (active < limit) start();
      else queue.push(start);
    });
}

/**
 * Read-modify-write of a collection file. `edit` gets the current text and returns the new text
 * (e.g. one of the functions in edit.ts). Refuses when the file on disk does not validate, when it
 * differs from `expectedText` (changed externally since it was loaded), or when the result would not
 * parse.
 */
export async function editCollectionFile(file: string, edit: (text: string) => string, opts: { expectedText?: string } = {}): Promise<string> {
  const current = await readCollectionFile(file);
  if (current.text === undefined) throw new CollectionError('WSWB_FILE_READ', current.errors[0]?.message ?? 'cannot read file', { file });
  if (!current.ok) {
    throw new CollectionError('WSWB_REFUSE_WRITE_INVALID', `${file} does not validate; fix it before saving`, { errors: current.errors });
  }
  if (opts.expectedText !== undefined && opts.expectedText !== current.text) {
    throw new CollectionError('WSWB_FILE_CHANGED', `${file} changed on disk since it was loaded`, { file });
  }
  const next = edit(current.text);
  const check = parseCollection(next, file);
  if (!check.ok) {
    throw new CollectionError('WSWB_REFUSE_WRITE_INVALID', `the edit would make ${file} invalid: ${check.errors[0]?.message ?? ''}`, { errors: check.errors });
  }
  if (next !== current.text) await atomicWriteFile(file, next);
  return next;
}
