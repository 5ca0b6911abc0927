/**
 * permessage-deflate through our wire stack (Node zlib, negotiated parameters) against ws as the
 * oracle, in both directions and both roles, for random messages under every parameter variant:
 * what one side sends is what the other receives, and compressed messages are flagged as such.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FrameEvent, MessageEvent } from '../../../src/core/engine/events';
import { Cleanup, echoServer, events, newConnection } from './helpers';
import { DEFLATE_VARIANTS, echoThroughWsClient, wireEchoServer } from './wireHelpers';

interface Msg {
  data: Buffer;
  binary: boolean;
  fragments: number;
}

const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  // text: random strings, and repetitive ones that compress well
  fc.record({ s: fc.string({ unit: 'binary', maxLength: 300 }), rep: fc.integer({ min: 1, max: 40 }), fragments: fc.integer({ min: 1, max: 3 }) }).map(({ s, rep, fragments }) => ({ data: Buffer.from(s.repeat(rep)), binary: false, fragments })),
  // binary: random bytes (barely compressible) and runs (very)
  fc.record({ b: fc.uint8Array({ maxLength: 3000 }), fragments: fc.integer({ min: 1, max: 3 }) }).map(({ b, fragments }) => ({ data: Buffer.from(b), binary: true, fragments })),
  fc.record({ n: fc.integer({ min: 0, max: 70000 }), v: fc.integer({ min: 0, max: 255 }) }).map(({ n, v }) => ({ data: Buffer.alloc(n, v), binary: true, fragments: 1 })),
);

const caseArb = fc.record({
  variant: fc.constantFrom(...DEFLATE_VARIANTS),
  messages: fc.array(msgArb, { minLength: 1, maxLength: 10 }),
});

describe('wire stack: permessage-deflate against ws (property)', function () {
  this.timeout(120_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('client role: our deflate reaches a ws server intact, and its compressed echoes inflate to the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ variant, messages }) => {
        try {
          const { wss, url } = await echoServer(cleanup, { perMessageDeflate: variant.server });
          const atServer: Buffer[] = [];
          wss.on('connection', (s) => s.on('message', (d) => atServer.push(Buffer.from(d as Buffer))));
          const c = newConnection(cleanup, { url, deflate: true });
          await c.connect();
          for (const m of messages) {
            if (m.fragments > 1) c.sendFragmented(m.binary ? m.data : m.data.toString('utf8'), m.fragments);
            else if (m.binary) c.sendBinary(m.data);
            else c.sendText(m.data.toString('utf8'));
          }
          const deadline = Date.now() + 20_000;
          const ins = () => events(c).filter((e): e is MessageEvent => e.kind === 'message' && e.dir === 'in');
          while (ins().length < messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
          await c.close();
          assert.equal(atServer.length, messages.length, `${variant.name}: the server got every message`);
          messages.forEach((m, i) => assert.ok(atServer[i]!.equals(m.data), `${variant.name}: message ${i} reached ws intact`));
          const got = ins();
          assert.equal(got.length, messages.length);
          got.forEach((e, i) => {
            assert.ok(Buffer.from(e.data).equals(messages[i]!.data), `${variant.name}: echo ${i} inflated to the sent bytes`);
            assert.equal(e.binary, messages[i]!.binary);
          });
          // Compression is on the wire: RSV1 on each message's first frame, in both directions.
          const frames = events(c).filter((e): e is FrameEvent => e.kind === 'frame' && (e.opcode === 1 || e.opcode === 2));
          assert.ok(frames.filter((f) => f.dir === 'in').every((f) => f.rsv1), `${variant.name}: ws compressed every echo`);
          const outs = events(c).filter((e): e is MessageEvent => e.kind === 'message' && e.dir === 'out');
          // As ws: without our context takeover, a message whose first fragment is under the
          // 1024-byte threshold goes uncompressed.
          outs.forEach((m, i) => {
            const n = Math.max(1, Math.min(messages[i]!.fragments, m.size));
            const first = Math.ceil(m.size / n);
            assert.equal(m.compressed, !variant.server.clientNoContextTakeover || first >= 1024, `${variant.name}: out ${i} compressed`);
          });
          assert.ok(got.every((m) => m.compressed));
        } finally {
          await cleanup.run();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('server role: a ws client\'s compressed messages inflate intact and our compressed echoes reach it intact', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ variant, messages }) => {
        try {
          const { url, seen } = await wireEchoServer(cleanup, variant.server);
          const echoes = await echoThroughWsClient(url, variant.client, messages);
          assert.equal(echoes.length, messages.length);
          messages.forEach((m, i) => {
            assert.ok(echoes[i]!.data.equals(m.data), `${variant.name}: echo ${i} intact at the ws client`);
            assert.equal(echoes[i]!.binary, m.binary);
          });
          const s = seen[0]!;
          assert.deepEqual(s.messagesIn.map((m) => m.data.toString('hex')), messages.map((m) => m.data.toString('hex')));
          assert.ok(s.messagesIn.every((m) => m.compressed), 'ws compressed every message');
          assert.ok(s.messagesOut.every((m) => m.compressed), 'we compressed every echo');
          assert.ok(s.framesOut.filter((f) => (f.b0 & 0x0f) < 3).every((f) => !f.masked), 'server frames are not masked');
        } finally {
          await cleanup.run();
        }
      }),
      { numRuns: 25 },
    );
  });
});
