/**
 * Issue 17 on the host side of the panel, with real sockets on loopback: the record toggle (through
 * a recorder the binding is given), `openResult` limited to what the panel wrote, a transcript
 * panel refusing to record, Reconnect retiring the connection it replaces, and `expect` rules
 * answered as timeline rows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from '../../../src/core/engine/connection';
import type { InfoEvent } from '../../../src/core/engine/events';
import type { PanelRecorder } from '../../../src/extension/panel/binding';
import { checkExpectations } from '../../../src/extension/panel/expectRows';
import { loadTranscript, transcriptTitle } from '../../../src/extension/panel/transcriptPanel';
import { makeHeader, serializeTranscript } from '../../../src/core/collections/transcript';
import { echoServer, panelRig, until } from './helpers';

/** A recorder that remembers what it was asked (the workflow's Recorder writes files; this checks the wiring). */
function fakeRecorder(): PanelRecorder & { active: Map<string, string> } {
  const active = new Map<string, string>();
  return {
    active,
    start: async (c: Connection) => {
      const file = `/sessions/${c.id}.ndjson`;
      active.set(c.id, file);
      return file;
    },
    stop: async (c: Connection) => {
      const file = active.get(c.id);
      active.delete(c.id);
      return file;
    },
    fileOf: (id) => active.get(id),
  };
}

describe('panel sessions: record toggle, results, transcripts, reconnect, expect rows (issue 17)', () => {
  it('records from the panel: the summary carries the file while recording; stopping returns it, and only such files open', async () => {
    const srv = await echoServer();
    const recorder = fakeRecorder();
    const opened: string[] = [];
    const rig = await panelRig({ recorder: () => recorder, labelFor: (f) => path.basename(f), openResult: async (t) => void opened.push(t) });
    try {
      await rig.client.call('connect', { request: { url: srv.url } });
      await until(() => rig.binding.connection?.state === 'open', 'open');
      const on = await rig.client.call('record', { on: true });
      assert.equal(on.recording, true);
      assert.equal(on.label, `${rig.binding.connection!.id}.ndjson`);
      assert.deepEqual(rig.binding.summary()?.recording, { file: on.file, label: on.label });
      const off = await rig.client.call('record', { on: false });
      assert.deepEqual(off, { recording: false, file: on.file, label: on.label });
      assert.equal(rig.binding.summary()?.recording, undefined);
      await rig.client.call('openResult', { target: on.file! });
      assert.deepEqual(opened, [on.file]);
      await assert.rejects(rig.client.call('openResult', { target: '/etc/passwd' }), (e: { code?: string }) => e.code === 'WSWB_PANEL_NO_RESULT');
      assert.deepEqual(opened, [on.file], 'a file the panel did not write is not opened');
    } finally {
      await rig.dispose();
      await srv.close();
    }
  });

  it('shows a transcript read-only: titled as one, cannot be recorded, Replay and Turn into Mock go to the host with its file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wswb-transcript-'));
    const file = path.join(dir, 'session.ndjson');
    writeFileSync(file, serializeTranscript({
      header: makeHeader({ request: { url: 'ws://127.0.0.1:1/x' } }),
      events: [{ id: 0, kind: 'message', time: 1, connection: 'c', dir: 'out', binary: false, data: new TextEncoder().encode('hi'), size: 2 } as never],
    }));
    const actions: string[] = [];
    const rig = await panelRig({ recorder: () => fakeRecorder(), transcriptAction: async (a, f) => void actions.push(`${a} ${f}`) });
    const t = await loadTranscript(file, 1 << 20);
    try {
      assert.ok(t);
      assert.equal(t.events, 1);
      assert.equal(transcriptTitle(file), 'Transcript session.ndjson');
      rig.binding.setTranscript({ file, label: 'session.ndjson', events: t.events });
      rig.binding.attach(t.connection);
      assert.deepEqual(rig.binding.snapshot().transcript, { file, label: 'session.ndjson', events: 1 });
      await assert.rejects(rig.client.call('record', { on: true }), (e: { code?: string }) => e.code === 'WSWB_PANEL_READ_ONLY');
      await rig.client.call('transcriptAction', { action: 'replay' });
      await rig.client.call('transcriptAction', { action: 'toMock' });
      assert.deepEqual(actions, [`replay ${file}`, `toMock ${file}`]);
      // An empty transcript is nothing a panel can show.
      const empty = path.join(dir, 'empty.ndjson');
      writeFileSync(empty, serializeTranscript({ header: makeHeader({}), events: [] }));
      assert.equal(await loadTranscript(empty, 1 << 20), undefined);
    } finally {
      t?.dispose();
      await rig.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Reconnect retires the connection it replaces: one entry per panel, the timeline continues', async () => {
    const srv = await echoServer();
    const rig = await panelRig();
    rig.binding.host.retireConnection = (c) => rig.manager.remove(c.id);
    try {
      await rig.client.call('connect', { request: { url: srv.url } });
      await until(() => rig.binding.connection?.state === 'open', 'open');
      const first = rig.binding.connection!;
      await rig.client.call('disconnect', { code: 1000 });
      await until(() => first.state === 'closed', 'closed');
      const events = rig.binding.store!.length;
      await rig.client.call('connect', { request: { url: srv.url } });
      await until(() => rig.binding.connection?.state === 'open', 'open again');
      assert.notEqual(rig.binding.connection, first);
      assert.deepEqual(rig.manager.list().map((c) => c.id), [rig.binding.connection!.id]);
      assert.ok(rig.binding.store!.length > events, 'the same timeline goes on');
    } finally {
      await rig.dispose();
      await srv.close();
    }
  });

  it('answers expect rules as timeline rows: passed with the reply, failed after the timeout, each with its rule', async () => {
    const srv = await echoServer();
    const rig = await panelRig();
    try {
      await rig.client.call('connect', { request: { url: srv.url } });
      await until(() => rig.binding.connection?.state === 'open', 'open');
      const c = rig.binding.connection!;
      checkExpectations(c, 'hello', [{ description: 'echoed back', regex: '^hello$' }, { jsonPath: '$.never', exists: true, timeoutMs: 150 }]);
      c.sendText('hello');
      const rows = () => c.store.slice(0, c.store.length).filter((e): e is InfoEvent => e.kind === 'info' && e.data?.expect !== undefined);
      await until(() => rows().length === 2, 'two result rows', 3000);
      const [pass, fail] = rows();
      assert.equal(pass!.data!.expect, 'pass');
      assert.match(pass!.message, /^expect passed: echoed back \(reply #\d+ after \d+ ms\)$/);
      assert.equal(fail!.data!.expect, 'fail');
      assert.equal(fail!.message, 'expect FAILED: $.never exists: no matching reply within 150 ms');
      // A rule that does not compile is a failed row, not a thrown error.
      checkExpectations(c, 'bad', [{}]);
      await until(() => rows().length === 3, 'the bad rule row');
      assert.match(rows()[2]!.message, /^expect FAILED: "bad": /);
    } finally {
      await rig.dispose();
      await srv.close();
    }
  });
});
