/**
 * The timeline toolbar's protocol filters: a protocol (or any decoded message) and an operation
 * (event, method, target, destination, topic or packet type; any case). The host applies them
 * (ViewFilter `protocol` / `operation`, protocolTrack.ts).
 */
import type { ViewFilter } from '../src/shared/contract';
import { h, input, select } from './dom';

const PROTOCOL_LABELS: Array<[string, string]> = [
  ['', 'All protocols'], ['any', 'Decoded'], ['socket.io', 'Socket.IO'], ['graphql-ws', 'GraphQL'], ['signalr', 'SignalR'], ['stomp', 'STOMP'], ['mqtt', 'MQTT'], ['json-rpc', 'JSON-RPC'],
];

export class ProtocolFilter {
  readonly protocol = select(PROTOCOL_LABELS, { id: 'proto-filter', 'aria-label': 'Protocol filter' });
  readonly operation = input({ id: 'proto-op', type: 'search', placeholder: 'event / method / topic…', 'aria-label': 'Event, method, destination or topic' });
  readonly el: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(onChange: () => void) {
    this.protocol.addEventListener('change', onChange);
    this.operation.addEventListener('input', () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(onChange, 150);
    });
    this.el = h('div', { class: 'proto-filter' }, this.protocol, this.operation);
  }

  /** Adds the protocol criteria of the controls to `f`. */
  apply(f: ViewFilter): ViewFilter {
    const p = this.protocol.value;
    if (p) f.protocol = p as NonNullable<ViewFilter['protocol']>;
    const op = this.operation.value.trim();
    if (op) f.operation = op;
    return f;
  }

  /** Shows a filter's protocol criteria. */
  sync(f: ViewFilter): void {
    if (this.protocol.value !== (f.protocol ?? '')) this.protocol.value = f.protocol ?? '';
    if (this.operation.value.trim() !== (f.operation ?? '')) this.operation.value = f.operation ?? '';
  }

  clear(): void {
    this.protocol.value = '';
    this.operation.value = '';
  }
}
