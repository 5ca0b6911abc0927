/**
 * Fault injection of mock servers: the malformed frames a `malformed` fault writes (each breaks
 * one rule of RFC 6455 on purpose) and how a fault reads on the timeline. Applying a fault to a
 * connection is MockServer.applyFault (it reaches into the connection's socket and wire stack).
 */
import { encodeFrame } from '../../protocol/frameEncoder';
import type { MalformedKind, MockFault } from './definition';

export function malformedFrame(kind: MalformedKind): Uint8Array {
  const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  switch (kind) {
    case 'reservedOpcode':
      return encodeFrame({ opcode: 0x3, payload: text('reserved opcode') }); // RFC 6455 §5.2: 0x3-0x7 reserved
    case 'rsv':
      return encodeFrame({ opcode: 0x1, rsv2: true, rsv3: true, payload: text('rsv bits') }); // §5.2: no extension defines them
    case 'invalidUtf8':
      return encodeFrame({ opcode: 0x1, payload: Uint8Array.of(0x48, 0x69, 0xff, 0xfe, 0xc3, 0x28) }); // §8.1
    case 'oversizeControl':
      return encodeFrame({ opcode: 0x9, payload: new Uint8Array(126).fill(0x61) }); // §5.5: control payload ≤ 125
    case 'maskedServerFrame':
      return encodeFrame({ opcode: 0x1, mask: true, payload: text('masked by the server') }); // §5.1
  }
}

export function describeFault(f: MockFault): string {
  switch (f.type) {
    case 'drop':
      return 'drop TCP without close frame';
    case 'close':
      return `close ${f.code}${f.reason ? ` "${f.reason}"` : ''}`;
    case 'malformed':
      return `malformed frame (${f.kind})`;
    case 'noPong':
      return 'stop answering pings';
    case 'slowRead':
      return `read slowly (${f.pauseMs} ms pauses)`;
    case 'fragment':
      return `fragment into ${f.frames} frames`;
    case 'handshakeDelay':
      return `handshake delay ${f.ms} ms`;
    case 'refuse':
      return `refuse handshake ${f.status}`;
    case 'dropReply':
      return 'drop the reply';
    case 'malformedPacket':
      return 'malformed protocol packet';
    case 'noHeartbeat':
      return 'stop protocol heartbeats';
  }
}
