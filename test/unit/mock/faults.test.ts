import assert from 'node:assert/strict';
import { Resources, until, delay } from './helpers';
import type { MalformedKind } from '../../../src/core/engine/mock/definition';

describe('mock faults', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('drop: TCP ends without a close frame (client sees 1006)', async () => {
    const { url, events } = await r.mock({ rules: [{ match: { text: 'die' }, faults: [{ type: 'drop' }] }] });
    const c = await r.client(url);
    c.send('die');
    assert.equal((await c.closed).code, 1006);
    await until(() => events.some((e) => e.kind === 'close'));
    assert.ok(events.some((e) => e.kind === 'info' && e.data?.fault === 'drop'));
  });

  it('drop at mock level after a delay', async () => {
    const { url } = await r.mock({ faults: [{ type: 'drop', afterMs: 30 }] });
    const c = await r.client(url);
    c.send('a');
    assert.equal(await c.nextText(), 'a');
    assert.equal((await c.closed).code, 1006);
  });

  it('close with a valid code, and with a code not valid on the wire (written raw)', async () => {
    const { url } = await r.mock({
      rules: [
        { match: { text: 'valid' }, faults: [{ type: 'close', code: 4500, reason: 'custom' }] },
        { match: { text: 'invalid' }, faults: [{ type: 'close', code: 1005 }] },
      ],
    });
    const a = await r.client(url);
    a.send('valid');
    assert.deepEqual(await a.closed, { code: 4500, reason: 'custom' });
    const b = await r.client(url);
    b.send('invalid');
    // ws fails the connection on a reserved close code: locally 1006, 1002 on the wire.
    assert.equal((await b.closed).code, 1006);
    assert.ok(b.errors.some((e) => (e as { code?: string }).code === 'WS_ERR_INVALID_CLOSE_CODE'));
  });

  it('delays the handshake', async () => {
    const { url } = await r.mock({ faults: [{ type: 'handshakeDelay', ms: 120 }] });
    const t0 = Date.now();
    await r.client(url);
    assert.ok(Date.now() - t0 >= 110, `opened after ${Date.now() - t0} ms`);
  });

  it('refuses the handshake with status, headers and body', async () => {
    const { url, events } = await r.mock({ faults: [{ type: 'refuse', status: 503, body: 'try later', headers: { 'Retry-After': '5' } }] });
    const c = r.rawClient(url);
    assert.deepEqual(await c.refused, { status: 503, body: 'try later' });
    const hs = events.find((e) => e.kind === 'handshake');
    assert.ok(hs && hs.kind === 'handshake' && hs.response?.status === 503 && hs.response.body === 'try later');
  });

  it('fragments messages into N frames (client reassembles; timeline shows the frames)', async () => {
    const { url, events } = await r.mock({ faults: [{ type: 'fragment', frames: 3 }] });
    const c = await r.client(url);
    c.send('abcdefghi');
    assert.equal(await c.nextText(), 'abcdefghi');
    await until(() => events.filter((e) => e.kind === 'frame' && e.dir === 'out').length >= 3);
    const out = events.filter((e) => e.kind === 'frame' && e.dir === 'out');
    assert.deepEqual(out.map((f) => f.kind === 'frame' && [f.opcode, f.fin, Buffer.from(f.payload).toString()]), [
      [1, false, 'abc'],
      [0, false, 'def'],
      [0, true, 'ghi'],
    ]);
  });

  it('per-rule fragmentation applies to that rule only', async () => {
    const { url, events } = await r.mock({ rules: [{ match: { text: 'frag' }, respond: ['0123456789'], faults: [{ type: 'fragment', frames: 5 }] }] });
    const c = await r.client(url);
    c.send('frag');
    assert.equal(await c.nextText(), '0123456789');
    c.send('plain');
    assert.equal(await c.nextText(), 'plain');
    await until(() => events.filter((e) => e.kind === 'frame' && e.dir === 'out').length >= 6);
    assert.equal(events.filter((e) => e.kind === 'frame' && e.dir === 'out').length, 6);
  });

  const malformed: Array<[MalformedKind, string, number]> = [
    ['reservedOpcode', 'WS_ERR_INVALID_OPCODE', 1002],
    ['rsv', 'WS_ERR_UNEXPECTED_RSV_2_3', 1002],
    ['invalidUtf8', 'WS_ERR_INVALID_UTF8', 1007],
    ['oversizeControl', 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002],
    ['maskedServerFrame', 'WS_ERR_UNEXPECTED_MASK', 1002],
  ];
  type Out = { opcode: number; rsv2: boolean; masked: boolean; length: number; payload: Uint8Array };
  const wrote: Record<MalformedKind, (f: Out) => boolean> = {
    reservedOpcode: (f) => f.opcode === 3,
    rsv: (f) => f.rsv2,
    invalidUtf8: (f) => f.opcode === 1 && f.payload[2] === 0xff,
    oversizeControl: (f) => f.opcode === 9 && f.length === 126,
    maskedServerFrame: (f) => f.masked && Buffer.from(f.payload).toString() === 'masked by the server',
  };
  for (const [kind, code, status] of malformed) {
    it(`malformed frame: ${kind} → client fails with ${code}`, async () => {
      const { url, events } = await r.mock({ rules: [{ match: { text: 'break' }, faults: [{ type: 'malformed', kind }] }] });
      const c = await r.client(url);
      c.send('break');
      const closed = await c.closed;
      assert.ok(c.errors.some((e) => (e as { code?: string }).code === code), c.errors.map(String).join());
      assert.equal(closed.code, 1006); // ws fails the connection locally; it sends `status` in its close frame
      await until(() => events.some((e) => e.kind === 'close'));
      // The server recorded the raw frame it wrote, through its own wire tap, and the client's close status.
      assert.ok(events.some((e) => e.kind === 'frame' && e.dir === 'out' && wrote[kind](e)), 'raw frame on the timeline');
      // ws's close frame carries `status`; the server must record exactly that code.
      const close = events.find((e) => e.kind === 'close');
      assert.ok(close && close.kind === 'close', 'the server recorded the close');
      assert.equal(close.code, status, JSON.stringify(close));
    });
  }

  it('noPong: stops answering pings (and answers them without it)', async () => {
    const { url } = await r.mock({ rules: [{ match: { text: 'mute' }, respond: ['muted'], faults: [{ type: 'noPong' }] }] });
    const c = await r.client(url);
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    c.ws.ping('a');
    await until(() => pongs === 1);
    c.send('mute');
    await c.next();
    c.ws.ping('b');
    await delay(150);
    assert.equal(pongs, 1);
  });

  it('slowRead: pauses reading after each message', async () => {
    const { url, events } = await r.mock({ faults: [{ type: 'slowRead', pauseMs: 60 }] });
    const c = await r.client(url);
    for (let i = 0; i < 3; i++) {
      c.send(`m${i}`);
      await delay(20);
    }
    for (let i = 0; i < 3; i++) assert.equal(await c.nextText(), `m${i}`);
    const times = events.filter((e) => e.kind === 'message' && e.dir === 'in').map((e) => e.time);
    assert.equal(times.length, 3);
    assert.ok(times[2]! - times[0]! >= 55, `spread ${times[2]! - times[0]!} ms`);
  });
});
