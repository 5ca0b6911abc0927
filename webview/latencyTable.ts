/**
 * The latency table: one line per protocol operation (Socket.IO event, GraphQL operation, SignalR
 * target, STOMP destination, MQTT topic, JSON-RPC method) with the pairs seen, p50, p95, max and the
 * requests left unanswered. Shown under the timeline by the toolbar's Latency button; while shown it
 * asks the host again at most twice a second as events arrive.
 */
import type { LatencyRow } from '../src/shared/protocolContract';
import { button, h } from './dom';
import { formatLatency } from './protocolCells';

const REFRESH_MS = 500;

export class LatencyTable {
  readonly toggle = button('Latency', { icon: 'graph', id: 'latency-toggle', title: 'Latency per event, method or operation' });
  readonly el = h('div', { class: 'latency-panel', id: 'latency-panel', hidden: true, role: 'region', 'aria-label': 'Latency per operation' });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;
  /** Resolves when the last refresh has been rendered (tests). */
  loaded: Promise<void> = Promise.resolve();

  constructor(private readonly stats: () => Promise<{ rows: LatencyRow[]; unanswered: number }>) {
    this.toggle.setAttribute('aria-expanded', 'false');
    this.toggle.addEventListener('click', () => this.show(this.el.hidden !== false));
  }

  show(on: boolean): void {
    this.el.hidden = !on;
    this.toggle.setAttribute('aria-expanded', String(on));
    if (on) this.refresh();
  }

  /** New events arrived: refresh soon if shown. */
  changed(): void {
    if (this.el.hidden) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.refresh();
    }, REFRESH_MS);
  }

  refresh(): void {
    this.dirty = false;
    this.loaded = this.stats().then(
      (s) => this.render(s.rows, s.unanswered),
      (err: Error) => {
        this.el.replaceChildren(h('p', { class: 'error', text: `Could not read latencies: ${err.message}` }));
      },
    );
  }

  private render(rows: LatencyRow[], unanswered: number): void {
    if (!rows.length) {
      this.el.replaceChildren(h('p', { class: 'muted', text: 'No request ↔ reply pairs yet (acks, responses, completions, receipts).' }));
      return;
    }
    const head = h('tr', {}, ...['Protocol', 'Operation', 'Count', 'p50', 'p95', 'Max', 'Unanswered'].map((t) => h('th', { scope: 'col', text: t })));
    const body = rows.map((r) =>
      h('tr', { 'data-op': r.name },
        h('td', { text: r.protocol }), h('td', { text: r.name }), h('td', { text: String(r.count) }),
        h('td', { text: r.count ? formatLatency(r.p50) : '–' }), h('td', { text: r.count ? formatLatency(r.p95) : '–' }), h('td', { text: r.count ? formatLatency(r.max) : '–' }),
        h('td', { text: String(r.unanswered) }),
      ),
    );
    const caption = h('caption', { text: `Latency per operation${unanswered ? ` · ${unanswered} unanswered` : ''}` });
    this.el.replaceChildren(h('table', { class: 'latency-table', id: 'latency-table' }, caption, h('thead', {}, head), h('tbody', {}, ...body)));
  }
}
