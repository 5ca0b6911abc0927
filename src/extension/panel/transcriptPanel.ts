/**
 * A transcript read back for a panel: its events in a timeline of their own, behind a connection
 * that is never connected. The panel shows it read-only (titled as a transcript, a banner, no
 * composer); nothing is sent unless the user replays it on purpose. No `vscode` import.
 */
import * as path from 'node:path';
import { readTranscript, type TranscriptReadResult } from '../../core/collections/transcript';
import { Connection } from '../../core/engine/connection';
import type { NewEvent } from '../../core/engine/events';
import { TimelineStore } from '../../core/engine/timelineStore';

/** A transcript loaded into a store, ready for a panel. */
export interface LoadedTranscript {
  connection: Connection;
  store: TimelineStore;
  events: number;
  /** Frees the connection and its store (when the panel closes). */
  dispose(): void;
}

/** The URL a transcript connected to: its handshake's, else its header request's. */
export function transcriptUrl(t: TranscriptReadResult): string | undefined {
  const hs = t.events.find((e) => e.kind === 'handshake');
  if (hs?.kind === 'handshake') return hs.request.url;
  const url = (t.header?.request as Record<string, unknown> | undefined)?.url;
  return typeof url === 'string' ? url : undefined;
}

/** Reads `file` into a store; undefined when it holds nothing a panel can show (no URL or no events). */
export async function loadTranscript(file: string, memoryBudgetBytes: number): Promise<LoadedTranscript | undefined> {
  const t = await readTranscript(file);
  const url = transcriptUrl(t);
  if (!url || !t.events.length) return undefined;
  const store = new TimelineStore({ memoryBudgetBytes });
  for (const e of t.events) {
    const { id: _id, ...rest } = e;
    store.append(rest as NewEvent);
  }
  const connection = new Connection({ url }, { store, id: `session:${path.basename(file).replace(/\.ndjson$/, '')}` });
  return {
    connection,
    store,
    events: store.length,
    dispose: () => {
      connection.dispose();
      void store.dispose();
    },
  };
}

/** Panel title of a transcript: says it is one, by file name. */
export function transcriptTitle(file: string): string {
  return `Transcript ${path.basename(file)}`;
}
