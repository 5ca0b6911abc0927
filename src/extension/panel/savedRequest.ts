/**
 * The collection request behind a panel: reading it (with its named messages), resolving the
 * composer's RequestDraft for connecting, and saving it and its messages back through the collections core
 * (jsonc edits that keep formatting, atomic write, refusing files that do not validate). No `vscode`
 * import: unit-tested in plain Node.
 */
import { addMessage, addRequest, updateMessage, updateRequest } from '../../core/collections/edit';
import { editCollectionFile, readCollectionFile } from '../../core/collections/fsio';
import { parseCollection } from '../../core/collections/parse';
import { toRequestDef } from '../../core/collections/request';
import { CollectionError, isProtocolMessage, type MessageCommon, type MessageDef, type PayloadMessage, type RequestDef, type RequestDraft, type VariableMap } from '../../core/collections/types';
import { CodedError } from '../../core/errors';
import { isCodecKind } from '../../core/codecs/types';
import type { ConnectionOptions } from '../../core/engine/connection';
import { protocolOf, resolveVariables, toConnectionOptions } from '../../core/collections/variables';
import type { SavedMessage, SavedRequestInfo } from '../../shared/contract';
import { codecMessageDef, isProtocolKind, protocolMessageDef, savedCodecMessage, savedProtocolMessage } from './protocolHandlers';

/** Where a panel's request lives. */
export interface RequestSource {
  file: string;
  request: string;
}

/**
 * Engine options for the panel's request: the resolution every saved request goes through
 * (variables, secrets, TLS files relative to `baseDir`). `known` holds the active environment's
 * variables and `secret:name` values; the draft's own variables take precedence. Unresolved
 * references are refused (WSWB_UNRESOLVED_VARIABLE), never sent as written.
 */
export async function resolveDraft(draft: RequestDraft, known: Record<string, string>, baseDir?: string): Promise<{ options: ConnectionOptions; secretValues: string[]; protocolOptions: Record<string, unknown> }> {
  const variables: VariableMap = Object.create(null) as VariableMap; // a `__proto__` name stays a name
  const secrets = new Map<string, string>();
  for (const [k, val] of Object.entries(known)) {
    if (k.startsWith('secret:')) secrets.set(k.slice(7), val);
    else variables[k] = val;
  }
  const request: RequestDef = { name: 'panel', ...draft };
  const resolved = await resolveVariables({ version: 1, name: 'panel', variables }, request, { secrets: { get: async (n) => secrets.get(n) } });
  if (!resolved.ok) {
    const code = resolved.errors[0]?.code ?? 'WSWB_UNRESOLVED_VARIABLE';
    throw new CodedError(code, `Cannot connect: ${resolved.errors.map((e) => e.message).join('; ')}`, { details: { names: resolved.unresolved } });
  }
  return { options: toConnectionOptions(request, resolved, baseDir !== undefined ? { baseDir } : {}), secretValues: resolved.secretValues, protocolOptions: protocolOf(request, resolved).protocolOptions };
}

/** A named message as the composer shows it. */
export function savedMessageOf(m: MessageDef): SavedMessage {
  if (isProtocolMessage(m)) return savedProtocolMessage(m as unknown as Record<string, unknown>);
  if (isCodecKind(m.kind)) return savedCodecMessage(m as unknown as Record<string, unknown>);
  const s: SavedMessage = { name: m.name, kind: m.kind };
  if (m.description) s.description = m.description;
  if (m.kind === 'text') s.text = String(m.data ?? '');
  else if (m.kind === 'json') s.text = JSON.stringify(m.data ?? null, null, 2);
  else if (m.hex !== undefined) s.hex = m.hex;
  else s.base64 = m.base64 ?? '';
  return s;
}

/** The collection's message for what the composer saves (over `existing`: its expectations survive). */
export function messageDefOf(s: SavedMessage, existing?: MessageDef): MessageDef {
  const name = s.name.trim();
  if (!name) throw new CodedError('WSWB_PANEL_BAD_MESSAGE', 'Give the message a name');
  if (isProtocolKind(s.kind)) return protocolMessageDef(name, s, existing);
  if (isCodecKind(s.kind)) return codecMessageDef(name, s, existing);
  // What every kind has survives (expectations); the old payload or protocol fields do not.
  const m = { ...(existing ?? {}), name, kind: s.kind } as MessageCommon & PayloadMessage;
  for (const k of Object.keys(m)) if (!['name', 'description', 'expect', 'kind'].includes(k)) delete (m as unknown as Record<string, unknown>)[k];
  if (s.description !== undefined) m.description = s.description;
  if (s.kind === 'text') m.data = s.text ?? '';
  else if (s.kind === 'json') {
    try {
      m.data = JSON.parse(s.text ?? 'null');
    } catch (err) {
      // `{{name}}` in a value position is not JSON: the file stores JSON values, so quote it or save as text.
      throw new CodedError('WSWB_PANEL_BAD_JSON', `Not saved: the JSON does not parse (${(err as Error).message}); quote {{variables}} or save it as text`, { cause: err });
    }
  } else if (s.hex !== undefined) m.hex = s.hex;
  else m.base64 = s.base64 ?? '';
  return m;
}

/** Reads the request and its messages; a problem becomes `error` (never throws on content or I/O). */
export async function readSavedRequest(src: RequestSource, label: string): Promise<SavedRequestInfo & { def?: RequestDef }> {
  const base = { file: src.file, request: src.request, label, messages: [] as SavedMessage[] };
  const res = await readCollectionFile(src.file);
  if (!res.ok || !res.collection) {
    const e = res.errors[0];
    return { ...base, error: { code: e?.code ?? 'WSWB_REFUSE_WRITE_INVALID', message: e ? `${e.message} (line ${e.line}, column ${e.column})` : 'the file does not validate' } };
  }
  const def = res.collection.requests?.find((r) => r.name === src.request);
  if (!def) return { ...base, error: { code: 'WSWB_REQUEST_NOT_FOUND', message: `no request named "${src.request}" in ${label}` } };
  // Protocol messages keep their kind: the panel's protocol composer edits them (protocolComposer.ts).
  // Codec messages (msgpack, cbor, protobuf) keep theirs too: the codec composer edits them (codecComposer.ts).
  return { ...base, messages: (def.messages ?? []).map(savedMessageOf), def };
}

/** Writes the composer's draft as the request `src.request` of `src.file` (adding it when `create`); its named messages stay. */
export async function saveRequestDraft(src: RequestSource, draft: RequestDraft, opts: { create?: boolean } = {}): Promise<void> {
  await editCollectionFile(src.file, (text) => {
    const current = findRequest(text, src.file, src.request);
    if (current) return updateRequest(text, src.request, toRequestDef(src.request, draft, current));
    if (!opts.create) throw new CollectionError('WSWB_REQUEST_NOT_FOUND', `no request named "${src.request}"`);
    return addRequest(text, toRequestDef(src.request, draft));
  });
}

/** Adds or replaces (`previousName`) a named message of `src`. */
export async function saveNamedMessage(src: RequestSource, message: SavedMessage, previousName?: string): Promise<void> {
  await editCollectionFile(src.file, (text) => {
    const current = findRequest(text, src.file, src.request);
    if (!current) throw new CollectionError('WSWB_REQUEST_NOT_FOUND', `no request named "${src.request}"`);
    const old = previousName !== undefined ? current.messages?.find((m) => m.name === previousName) : undefined;
    if (previousName !== undefined && old) return updateMessage(text, src.request, previousName, messageDefOf(message, old));
    const same = current.messages?.find((m) => m.name === message.name.trim());
    // Saving under an existing name replaces that message (the composer shows it as editing).
    if (same) return updateMessage(text, src.request, same.name, messageDefOf(message, same));
    return addMessage(text, src.request, messageDefOf(message));
  });
}

function findRequest(text: string, file: string, name: string): RequestDef | undefined {
  // editCollectionFile validated `text` already; parse again only to find the request.
  return parseCollection(text, file).collection?.requests?.find((r) => r.name === name);
}
