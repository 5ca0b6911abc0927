/**
 * Getting a panel's timeline out: as an NDJSON transcript or HAR file, as transcript lines on the
 * clipboard, or one payload as a file. Spilled payloads are read back from disk, then every known
 * secret value is masked, as the workflow's recorder does. No `vscode` import: files and the
 * clipboard come through the BindingHost.
 */
import type { TimelineStore } from '../../core/engine/timelineStore';
import type { TimelineEvent } from '../../core/engine/events';
import { encodeEventLine, makeHeader, serializeTranscript, withPayloads } from '../../core/collections/transcript';
import { exportHar } from '../../core/collections/har';
import { redact } from '../../core/collections/variables';
import { CodedError } from '../../core/errors';

/** What exporting needs from the binding's host. */
export interface ExportHost {
  saveFile?(suggestedName: string, data: Uint8Array): Promise<string | undefined>;
  clipboard?(text: string): Promise<void>;
  /** Version written into exported transcripts and HAR files. */
  toolVersion?: string;
}

/** What goes into the export besides the events. */
export interface ExportContext {
  /** Secret values to mask. */
  secrets: readonly string[];
  /** The request for the transcript header, literal secrets already removed. */
  request: Record<string, unknown>;
}

function requireStore(store: TimelineStore | undefined, id: number): TimelineStore {
  if (!store || store.indexOfId(id) < 0) throw new CodedError('WSWB_PANEL_NO_EVENT', `No event with id ${id}`);
  return store;
}

function requireSave(host: ExportHost): NonNullable<ExportHost['saveFile']> {
  if (!host.saveFile) throw new CodedError('WSWB_PANEL_UNSUPPORTED', 'Cannot save files here');
  return host.saveFile.bind(host);
}

/** Exports the whole timeline, or the events `ids`, to a file the user picks or the clipboard. */
export async function exportTimeline(
  store: TimelineStore | undefined,
  format: 'ndjson' | 'har' | 'clipboard',
  ids: number[] | undefined,
  host: ExportHost,
  ctx: ExportContext,
): Promise<{ saved: boolean; target?: string }> {
  if (!store) throw new CodedError('WSWB_PANEL_NO_CONNECTION', 'Nothing to export yet');
  const picked = ids ? ids.map((i) => store.byId(i)).filter((e): e is TimelineEvent => !!e) : store.slice(0, store.length);
  const events = await withPayloads(picked, (id) => store.readPayload(id));
  const secrets = [...ctx.secrets];
  const mask = <T>(x: T): T => (secrets.length ? redact(x, secrets) : x);
  const tool = { name: 'websocket-workbench', version: host.toolVersion ?? 'dev' };
  if (format === 'clipboard') {
    if (!host.clipboard) throw new CodedError('WSWB_PANEL_UNSUPPORTED', 'No clipboard here');
    await host.clipboard(events.map((e) => encodeEventLine(mask(e))).join('\n') + '\n');
    return { saved: true, target: 'clipboard' };
  }
  const save = requireSave(host);
  const text = format === 'har'
    ? JSON.stringify(exportHar(events, { creator: tool, secrets }), null, 2)
    : serializeTranscript({ header: makeHeader({ request: mask(ctx.request), tool }), events: events.map(mask) });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const name = format === 'har' ? `websocket-session-${stamp}.har` : `websocket-session-${stamp}.ndjson`;
  const target = await save(name, new TextEncoder().encode(text));
  return target ? { saved: true, target } : { saved: false };
}

/** Saves the full payload of event `id` to a file the user picks. */
export async function savePayload(store: TimelineStore | undefined, id: number, host: ExportHost): Promise<{ saved: boolean; target?: string }> {
  const s = requireStore(store, id);
  const save = requireSave(host);
  const data = await s.readPayload(id);
  const e = s.byId(id)!;
  const ext = e.kind === 'message' && !e.binary ? 'txt' : 'bin';
  const target = await save(`payload-${id}.${ext}`, data);
  return target ? { saved: true, target } : { saved: false };
}
