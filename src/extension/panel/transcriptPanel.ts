/**
 * A transcript read back for a panel: its events in a timeline of their own, behind a connection
 * that is never connected. The panel shows it read-only (titled as a transcript, a banner, no
 * composer); nothing is sent unless the user replays it on purpose. No `vscode` import.
 */
import * as path from 'node:path';
import { readTranscript, transcriptUrl } from '../../core/collections/transcript';
import type { Connection } from '../../core/engine/connection';
import { loadEngine } from '../../core/lazy';
import type { NewEvent } from '../../core/engine/events';
import type { TimelineStore } from '../../core/engine/timelineStore';

/** A transcript loaded into a store, ready for a panel. */
export interface LoadedTranscript {
  connection: Connection;
  store: TimelineStore;
  events: number;
  /** Frees the connection and its store (when the panel closes). */
  dispose(): void;
}

/** Reads `file` into a store; undefined when it holds nothing a panel can show (no URL or no events). */
export async function loadTranscript(file: string, memoryBudgetBytes: number): Promise<LoadedTranscript | undefined> {
  const t = await readTranscript(file);
  const url = transcriptUrl(t);
  if (!url || !t.events.length) return undefined;
  const store = new (loadEngine().TimelineStore)({ memoryBudgetBytes });
  for (const e of t.events) {
    const { id: _id, ...rest } = e;
    store.append(rest as NewEvent);
  }
  const connection = new (loadEngine().Connection)({ url }, { store, id: `session:${path.basename(file).replace(/\.ndjson$/, '')}` });
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
