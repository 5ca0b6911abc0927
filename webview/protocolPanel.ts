/**
 * Wires the panel's protocol parts (issue 13) to the RPC client, so main.ts only places them: the
 * toolbar's protocol filters, the latency table, the protocol composer, jumping to a pair's other
 * side, and editing saved protocol messages.
 */
import type { RpcClient } from '../src/shared/rpc';
import type { ConnectionSummary, HostContract, SavedMessage, SavedRequestInfo, TimelineEvent, WebviewEvents } from '../src/shared/contract';
import type { ProtocolMessage } from '../src/shared/protocolContract';
import type { Timeline } from './timeline';
import type { RequestComposer } from './requestComposer';
import { ProtocolFilter } from './protocolFilter';
import { LatencyTable } from './latencyTable';
import { KINDS_OF, ProtocolComposer } from './protocolComposer';
import { CodecComposer } from './codecComposer';

export interface ProtocolPanelDeps {
  rpc: RpcClient<HostContract, WebviewEvents>;
  timeline: Timeline;
  req: RequestComposer;
  notify(text: string, kind?: 'info' | 'error'): void;
  fail(err: unknown): void;
  showSource(info: SavedRequestInfo): void;
  applyFilter(): void;
  /** The selected row's event was updated (its pair is now known). */
  reselected(e: TimelineEvent): void;
}

const PROTOCOL_KINDS = new Set<string>(Object.values(KINDS_OF).flat());
const CODEC_KINDS = new Set<string>(['msgpack', 'cbor', 'protobuf']);

export function wireProtocols(d: ProtocolPanelDeps) {
  const { rpc, timeline, req } = d;
  const filter = new ProtocolFilter(() => d.applyFilter());
  const latency = new LatencyTable(() => rpc.call('protocolStats', {}));
  let source = false;
  let shown: string | undefined;
  const composer = new ProtocolComposer({
    send: (message: ProtocolMessage) => {
      rpc.call('sendProtocol', { message }).then(undefined, d.fail);
    },
    save: (name, m) => {
      if (!source) return d.notify('Save the request to a collection first (Save request)', 'error');
      const { kind, ...fields } = m;
      const message: SavedMessage = { name, kind, fields };
      rpc.call('saveMessage', { message }).then((info) => {
        d.showSource(info);
        d.notify(`Saved message "${name}"`);
      }, d.fail);
    },
  });
  const codec = new CodecComposer({
    send: (message) => {
      rpc.call('sendCodec', { message }).then(undefined, d.fail);
    },
    save: (name, m) => {
      if (!source) return d.notify('Save the request to a collection first (Save request)', 'error');
      const { kind, ...fields } = m;
      rpc.call('saveMessage', { message: { name, kind, fields } }).then((info) => {
        d.showSource(info);
        d.notify(`Saved message "${name}"`);
      }, d.fail);
    },
    types: async () => (await rpc.call('codecTypes', {})).types,
  });
  // Pairs complete after their rows were posted: patch the rows held, and the selected one's Protocol tab.
  rpc.onEvent('protocolRows', ({ rows }) => {
    const byId = new Map(rows.map((r) => [r.id, r.proto]));
    const selected = timeline.patchEvents(new Set(byId.keys()), (e) => Object.assign({}, e, { proto: byId.get(e.id) }));
    if (selected) d.reselected(selected);
  });
  // The composer follows the request's protocol as edited, before connecting too.
  req.protocol.protocol.addEventListener('change', () => composer.setProtocol(req.protocol.value));

  return {
    filter,
    latency,
    composer,
    codec,
    /** Selects the event `id` (the pair's other side): at `row` when known, else the host says where. */
    jump(id: number, row: number | undefined): void {
      const go = (r: number) => (r >= 0 ? timeline.select(r) : d.notify(`#${id} is not in the current view: clear the filter to see it`, 'error'));
      if (row !== undefined && row >= 0) go(row);
      else rpc.call('rowOfEvent', { id }).then((r) => go(r.row), d.fail);
    },
    /** Loads a saved protocol or codec message into its composer; false for text/json/binary messages. */
    editSaved(m: SavedMessage): boolean {
      if (CODEC_KINDS.has(m.kind)) {
        codec.load(m.kind as 'msgpack' | 'cbor' | 'protobuf', m.fields ?? {}, m.name);
        return true;
      }
      if (!PROTOCOL_KINDS.has(m.kind)) return false;
      composer.el.hidden = false;
      composer.load({ ...(m.fields ?? {}), kind: m.kind as ProtocolMessage['kind'] }, m.name);
      return true;
    },
    /** The header changed: the composer shows the forms of the protocol the connection speaks. */
    connection(s: ConnectionSummary | undefined): void {
      // Only when the connection's protocol changes: the header updates often, the user's choice wins between.
      const p = s?.request ? ((s.request as { protocol?: string }).protocol ?? 'auto') : undefined;
      if (p !== undefined && p !== shown) composer.setProtocol((shown = p));
    },
    /** The request composer was (re)loaded. */
    requestChanged(): void {
      composer.setProtocol(req.protocol.value);
    },
    /** The panel shows a saved request (protocol messages can be saved to it). */
    setSource(on: boolean): void {
      source = on;
    },
  };
}
