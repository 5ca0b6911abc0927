/**
 * The connection header's data (counters, handshake, close, round-trip time, last error), counted
 * from timeline events as they arrive. No `vscode` import.
 */
import type { TimelineEvent } from '../../core/engine/events';
import type { ConnectionSummary } from '../../shared/contract';

/** A ConnectionSummary without what the connection itself says (id, url, state, store size). */
export type SummaryState = Omit<ConnectionSummary, 'id' | 'url' | 'state' | 'total'>;

export function freshSummary(): SummaryState {
  return { counters: { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0, dropped: 0 } };
}

/** Counts `e` into the connection header's data. */
export function summarize(s: SummaryState, e: TimelineEvent): void {
  switch (e.kind) {
    case 'message':
      if (e.dir === 'in') {
        s.counters.messagesIn++;
        s.counters.bytesIn += e.size;
      } else {
        s.counters.messagesOut++;
        s.counters.bytesOut += e.size;
      }
      break;
    case 'frame':
      if (e.dir === 'in') s.counters.framesIn++;
      else s.counters.framesOut++;
      break;
    case 'handshake':
      s.handshake = e;
      break;
    case 'close':
      s.closeCode = e.code;
      s.closeReason = e.reason;
      s.closeInitiator = e.initiator;
      s.closeClean = e.wasClean;
      break;
    case 'rtt':
      s.rttMs = e.ms;
      break;
    case 'error':
      s.error = { code: e.code, message: e.message };
      break;
    case 'state':
      if (e.state === 'connecting') {
        delete s.closeCode;
        delete s.closeReason;
        delete s.closeInitiator;
        delete s.closeClean;
        delete s.error;
      }
      break;
  }
}
