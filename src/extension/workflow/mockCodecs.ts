/**
 * The `codecs` rules a mock started from VS Code uses, as `websocket-workbench mock` loads them:
 * the collection's rules, `.proto` files relative to the collection file. Workspace Trust: in a
 * restricted workspace a `.proto` (or one it imports) is read only when it lies inside a workspace
 * folder or the collection's own folder (symlinks resolved), so a collection cannot make the mock
 * read files elsewhere on the machine. Unlike the CLI, which refuses to start, problems are
 * returned for the caller to warn about; the rules without problems still apply. No vscode import.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CodecSet } from '../../core/codecs/bindings';
import { loadCodecLayer } from '../../core/lazy';
import type { Collection } from '../../core/collections/types';
import { isInside } from './trust';

/** Code of a `.proto` left unread in a restricted workspace. */
export const UNTRUSTED_PROTO = 'WSWB_UNTRUSTED_PROTO_OUTSIDE';

/** What a mock's codecs came to. */
export interface MockCodecs {
  /** The loaded rules; undefined when the collection has none (or none loaded). */
  codecs?: CodecSet;
  /** One line per problem (`feed.proto:3:7 …`, paths relative to the collection's folder). */
  problems: string[];
}

/** Options: trust and the workspace folders (absolute paths). */
export interface MockCodecsOptions {
  isTrusted: boolean;
  workspaceRoots: string[];
  /** Reads a file (tests); default fs.readFile as UTF-8. */
  readText?: (file: string) => Promise<string>;
}

/** Loads the codecs of the collection `file` for its mocks. */
export async function loadMockCodecs(collection: Collection, file: string, opts: MockCodecsOptions): Promise<MockCodecs> {
  if (!collection.codecs?.length) return { problems: [] };
  const { loadRequestCodecs, describeCodecProblem } = loadCodecLayer();
  const { codecs, problems } = await loadRequestCodecs(collection, file, undefined, protoReader(file, opts));
  const shown = (f: string) => path.relative(path.dirname(file), f) || f;
  return { ...(codecs.empty ? {} : { codecs }), problems: problems.map((p) => `${describeCodecProblem(p, shown)} [${p.code}]`) };
}

/**
 * How `.proto` files of the collection `file` are read: as they are in a trusted workspace; in a
 * restricted one only inside a workspace folder or the collection's folder (symlinks resolved).
 */
export function protoReader(file: string, opts: MockCodecsOptions): (f: string) => Promise<string> {
  const read = opts.readText ?? ((f: string) => fs.readFile(f, 'utf8'));
  if (opts.isTrusted) return read;
  const roots = [...opts.workspaceRoots, path.dirname(file)];
  return async (f: string) => {
    if (!(await realpathInsideAny(roots, f))) throw new Error(`${UNTRUSTED_PROTO}: outside the workspace, not read in Restricted Mode`);
    return read(f);
  };
}

/** Whether `f` (symlinks resolved when it exists) is inside one of `roots` (also resolved). */
async function realpathInsideAny(roots: string[], f: string): Promise<boolean> {
  const real = async (p: string) => fs.realpath(p).catch(() => path.resolve(p));
  const target = await real(f);
  for (const r of roots) if (isInside(await real(r), target)) return true;
  return false;
}
