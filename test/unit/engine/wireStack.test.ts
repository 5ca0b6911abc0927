/**
 * The wire stack's own failure modes and ordering, over real sockets against a raw peer that
 * negotiates permessage-deflate: what ws's Receiver did, ours now does, with the frame recorded first.
 */
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import type { CloseEvent, ErrorEvent, FrameEvent, MessageEvent } from '../../../src/core/engine/events';
import { encodeClosePayload, encodeFrame } from '../../../src/core/protocol/frameEncoder';
import { computeAccept } from '../../../src/core/protocol/handshake';
import { Cleanup, events, newConnection, rawPeer, waitClosed, waitFor } from './helpers';

const DEFLATE_101 = (key: string) =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`;

/** A permessage-deflate message body: raw deflate, sync flush, without the 00 00 ff ff tail. */
function deflated(bytes: Uint8Array): Buffer {
  const out = zlib.deflateRawSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

describe('wire stack (client role, raw peer)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  /** A peer that answers our close frame with its own and ends. */
  const closeBack = (sock: import('node:net').Socket) =>
    sock.on('data', (d: Buffer) => {
      if ((d[0]! & 0x0f) === 0x8) sock.end(Buffer.from(encodeFrame({ opcode: 8, payload: encodeClosePayload(1000) })));
    });

  async function failsWith(frames: Uint8Array[], code: string, closeCode: number, maxPayload?: number): Promise<void> {
    const { url } = await rawPeer(cleanup, (sock) => {
      closeBack(sock);
      sock.write(Buffer.concat(frames));
    }, DEFLATE_101);
    const c = newConnection(cleanup, { url, deflate: true, ...(maxPayload ? { maxPayload } : {}) });
    await c.connect();
    await waitClosed(c);
    const err = events(c).find((e): e is ErrorEvent => e.kind === 'error' && e.code === code);
    assert.ok(err, `${code} recorded: ${JSON.stringify(events(c).filter((e) => e.kind === 'error'))}`);
    assert.equal(err.closeCode, closeCode);
    const ourClose = events(c).find((e): e is FrameEvent => e.kind === 'frame' && e.dir === 'out' && e.opcode === 8)!;
    assert.equal(Buffer.from(ourClose.payload).readUInt16BE(0), closeCode, 'we sent the implied close code');
    assert.ok(events(c).some((e) => e.kind === 'frame' && e.dir === 'in' && e.rsv1), 'the offending compressed frame is on the timeline');
  }

  it('corrupt compressed data fails with WSWB_DEFLATE_INVALID_DATA / 1007', async () => {
    await failsWith([encodeFrame({ opcode: 1, rsv1: true, payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]) })], 'WSWB_DEFLATE_INVALID_DATA', 1007);
  });

  it('a compressed text message that inflates to invalid UTF-8 fails with WS_ERR_INVALID_UTF8 / 1007', async () => {
    await failsWith([encodeFrame({ opcode: 1, rsv1: true, payload: deflated(Buffer.from([0x48, 0xff, 0xfe])) })], 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('a compressed message that inflates past maxPayload fails with WS_ERR_UNSUPPORTED_MESSAGE_LENGTH / 1009 (a small frame, a big message)', async () => {
    const bomb = deflated(Buffer.alloc(1 << 20));
    assert.ok(bomb.length < 2048);
    await failsWith([encodeFrame({ opcode: 2, rsv1: true, payload: bomb })], 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009, 64 * 1024);
  });

  it('keeps order: what follows a compressed message in the same chunk waits for its inflation', async () => {
    const texts = ['first '.repeat(200), 'second', 'third '.repeat(300)];
    const { url } = await rawPeer(cleanup, (sock) => {
      closeBack(sock);
      sock.write(
        Buffer.concat([
          encodeFrame({ opcode: 1, rsv1: true, payload: deflated(Buffer.from(texts[0]!)) }),
          encodeFrame({ opcode: 1, payload: Buffer.from(texts[1]!) }),
          encodeFrame({ opcode: 9, payload: Buffer.from('p') }),
          encodeFrame({ opcode: 1, rsv1: true, payload: deflated(Buffer.from(texts[2]!)) }),
          encodeFrame({ opcode: 8, payload: encodeClosePayload(4000, 'bye') }),
        ]),
      );
    }, DEFLATE_101);
    const c = newConnection(cleanup, { url, deflate: true });
    await c.connect();
    const close = (await waitClosed(c)) as CloseEvent;
    const msgs = events(c).filter((e): e is MessageEvent => e.kind === 'message' && e.dir === 'in');
    assert.deepEqual(msgs.map((m) => Buffer.from(m.data).toString()), texts);
    assert.deepEqual(msgs.map((m) => m.compressed), [true, false, true]);
    // The pong answering the ping went out after the first message was delivered, and the close echo after the last.
    const order = events(c).filter((e) => (e.kind === 'message' && e.dir === 'in') || (e.kind === 'frame' && e.dir === 'out' && (e.opcode === 10 || e.opcode === 8)));
    assert.deepEqual(order.map((e) => (e.kind === 'message' ? 'msg' : (e as FrameEvent).opcode === 10 ? 'pong' : 'close')), ['msg', 'msg', 'pong', 'msg', 'close']);
    assert.deepEqual([close.code, close.reason, close.initiator], [4000, 'bye', 'server']);
  });

  it('records a frame larger than maxPayload at its header, then fails with 1009 without reading it', async () => {
    const { url } = await rawPeer(cleanup, (sock) => {
      closeBack(sock);
      sock.write(encodeFrame({ opcode: 2, lengthOverride: 10 * 1024 * 1024, payload: Buffer.alloc(10) }));
    });
    const c = newConnection(cleanup, { url, maxPayload: 1024 });
    await c.connect();
    await waitFor(c, (e) => e.kind === 'error');
    await waitClosed(c);
    const f = events(c).find((e): e is FrameEvent => e.kind === 'frame' && e.dir === 'in')!;
    assert.equal(f.length, 10 * 1024 * 1024);
    assert.equal(f.payload.length, 0);
    assert.equal(f.truncated, true);
    const err = events(c).find((e): e is ErrorEvent => e.kind === 'error')!;
    assert.deepEqual([err.code, err.closeCode], ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009]);
  });
});

describe('wire stack: firehose', () => {
  it('after 128 KiB parsed in a row, the write completes on the next turn (the stream buffers, ws pauses the socket)', async () => {
    const { Inbound } = await import('../../../src/core/engine/wire/inbound');
    let messages = 0;
    const inbound = new Inbound(
      { isServer: false, maxPayload: 0, deflate: null, emitMessages: false },
      { frameIn: () => undefined, messageIn: () => messages++, frameOut: () => undefined, messageOut: () => undefined, ignoredIn: () => undefined },
    );
    const frame = Buffer.from(encodeFrame({ opcode: 2, payload: Buffer.alloc(64) }));
    const chunk = Buffer.concat(Array.from({ length: 1024 }, () => frame)); // 66 KiB
    let completed = 0;
    inbound.write(chunk, () => completed++);
    inbound.write(chunk, () => completed++); // past 128 KiB: its completion waits for the next turn
    const ok3 = inbound.write(chunk, () => completed++);
    assert.equal(ok3, false, 'meanwhile the stream reports backpressure (ws pauses the socket)');
    assert.equal(messages, 2048, 'the third chunk waits, unparsed');
    await new Promise((r) => process.nextTick(r));
    assert.equal(completed, 1, 'only the first write has completed within this turn');
    assert.equal(messages, 2048);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(completed, 3);
    assert.equal(messages, 3072, 'then parsed, in order');
  });
});

describe('wire stack: one write per read', () => {
  it('corks the socket while a chunk is parsed, so what is sent in reply leaves in one write', async () => {
    const { Inbound } = await import('../../../src/core/engine/wire/inbound');
    const calls: string[] = [];
    const inbound = new Inbound(
      { isServer: false, maxPayload: 0, deflate: null, emitMessages: false, cork: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') } },
      { frameIn: () => undefined, messageIn: () => calls.push('message'), frameOut: () => undefined, messageOut: () => undefined, ignoredIn: () => undefined },
    );
    const frame = Buffer.from(encodeFrame({ opcode: 1, payload: Buffer.from('hi') }));
    await new Promise<void>((r) => inbound.write(Buffer.concat([frame, frame, frame]), () => r()));
    assert.deepEqual(calls, ['cork', 'message', 'message', 'message', 'uncork']);
  });
});
