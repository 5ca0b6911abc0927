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

/** Reads and parses a collection file; I/O errors become a diagnostic, never an exception. */
export async function readCollectionFile(file: string): Promise<ParseResult & { text?: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
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
