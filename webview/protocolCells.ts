/**
 * The timeline's Protocol column: the decoded packet's type and one-line summary, with its pair
 * (`⇄ 1.7 ms`, the other side's event id in the tooltip) or `no reply` for an unanswered request.
 * Text only (textContent), like every cell.
 */
import type { TimelineEvent } from '../src/shared/contract';
import type { RowProtocol } from '../src/shared/protocolContract';
import { formatRtt } from './format';

/** The protocol facts the host added to a row, if any. */
export function protoOf(e: TimelineEvent | undefined): RowProtocol | undefined {
  return (e as (TimelineEvent & { proto?: RowProtocol }) | undefined)?.proto;
}

/** Latency as the panel writes it (µs below 1 ms, like the RTT). */
export function formatLatency(ms: number): string {
  return formatRtt(ms);
}

/** The cell's text: `EVENT chat("hi") ack 1 ⇄ 1.7 ms`. */
export function protocolCellText(p: RowProtocol): string {
  const pair = p.pair ? ` ⇄ ${formatLatency(p.pair.latencyMs)}` : p.unanswered ? ' ✖ no reply' : '';
  return `${p.type} ${p.summary}${pair}`;
}

/** Fills the Protocol cell of `row` for event `e`; returns whether the row is decoded. */
export function renderProtocolCell(row: HTMLElement, cell: HTMLElement, e: TimelineEvent | undefined): boolean {
  const p = protoOf(e);
  const text = p ? protocolCellText(p) : '';
  if (cell.textContent !== text) cell.textContent = text;
  row.classList.toggle('decoded', !!p);
  row.classList.toggle('paired', !!p?.pair);
  row.classList.toggle('unanswered', !!p?.unanswered);
  const title = p ? `${p.protocol} ${p.type}${p.name ? ` · ${p.name}` : ''}${p.pair ? ` · ${p.pair.request ? 'reply' : 'request'} #${p.pair.peer} after ${formatLatency(p.pair.latencyMs)}` : ''}${p.unanswered ? ` · no reply after ${Math.round(p.unanswered.afterMs)} ms${p.unanswered.closed ? ' (connection ended)' : ''}` : ''}` : '';
  if (cell.title !== title) cell.title = title;
  return !!p;
}
