import assert from 'node:assert/strict';
import { browserWsUrl, forwardableUri, mockUrlChoices, BROWSER_LABEL, LOCAL_LABEL } from '../../../src/extension/workflow/mockUrls';
import { looksLikeRebinding, RefusalMemory, refusalNotice } from '../../../src/extension/workflow/mockRefusals';
import type { MockRefusal } from '../../../src/core/engine/mock/gate';

const refusal = (over: Partial<MockRefusal> = {}): MockRefusal => ({ mock: 'chat', connection: 'chat#1', time: 0, reasons: ['host', 'origin'], origin: 'http://app.test:5173', host: '127.0.0.1:8080', ...over });

describe('mock URLs for browsers (pure)', () => {
  it('turns a mock URL into the http(s) URI asExternalUri forwards, and its answer back into ws(s)', () => {
    assert.equal(forwardableUri('ws://127.0.0.1:8765/chat?x=1'), 'http://127.0.0.1:8765/chat?x=1');
    assert.equal(forwardableUri('wss://localhost:8443/'), 'https://localhost:8443/');
    assert.equal(forwardableUri('http://127.0.0.1:1/'), undefined);
    assert.equal(forwardableUri('not a url'), undefined);
    assert.equal(browserWsUrl('http://127.0.0.1:8080/proxy/8765/chat'), 'ws://127.0.0.1:8080/proxy/8765/chat');
    assert.equal(browserWsUrl('https://x-8765.app.github.dev/'), 'wss://x-8765.app.github.dev/');
    assert.equal(browserWsUrl('vscode://x'), undefined);
  });

  it('offers the browser URL first and labels which is which; one entry when they are the same', () => {
    const two = mockUrlChoices({ url: 'ws://127.0.0.1:8765/', browserUrl: 'ws://127.0.0.1:8080/proxy/8765/' });
    assert.deepEqual(two.map((c) => [c.which, c.label, c.url]), [['browser', BROWSER_LABEL, 'ws://127.0.0.1:8080/proxy/8765/'], ['local', LOCAL_LABEL, 'ws://127.0.0.1:8765/']]);
    assert.equal(mockUrlChoices({ url: 'ws://127.0.0.1:8765/', browserUrl: 'ws://127.0.0.1:8765/' }).length, 1);
    assert.equal(mockUrlChoices({ url: 'ws://127.0.0.1:8765/' })[0]!.which, 'local');
  });
});

describe('mock refusal notices (pure)', () => {
  it('offers Allow for the refused origin and forwarded host, naming the file it writes', () => {
    const n = refusalNotice('chat', refusal(), { trusted: true, file: 'chat.websocket.json' });
    assert.deepEqual(n.allow, { origins: ['http://app.test:5173'], hosts: ['127.0.0.1:8080'] });
    assert.match(n.message, /^Mock "chat" refused a connection from http:\/\/app\.test:5173 through host 127\.0\.0\.1:8080\. Allow this origin and host\? \(adds them to the mock's allowedOrigins and allowedHosts in chat\.websocket\.json\)$/);
    const originOnly = refusalNotice('chat', refusal({ reasons: ['origin'] }), { trusted: true });
    assert.deepEqual(originOnly.allow, { origins: ['http://app.test:5173'], hosts: [] });
    assert.match(originOnly.message, /until the mock stops/);
  });

  it('never offers Allow in Restricted Mode, for DNS-rebinding shaped hosts, or for cut or malformed values', () => {
    const untrusted = refusalNotice('chat', refusal(), { trusted: false });
    assert.equal(untrusted.allow, undefined);
    assert.equal(untrusted.withheld, 'untrusted');
    assert.match(untrusted.message, /refused a connection from http:\/\/app\.test:5173.*Restricted Mode/);
    const rebinding = refusalNotice('chat', refusal({ origin: 'http://evil.example', host: 'evil.example:8765' }), { trusted: true });
    assert.equal(rebinding.withheld, 'rebinding');
    assert.equal(rebinding.allow, undefined);
    assert.equal(refusalNotice('chat', refusal({ truncated: true }), { trusted: true }).withheld, 'malformed');
    assert.equal(refusalNotice('chat', refusal({ reasons: ['origin'], origin: 'null' }), { trusted: true }).withheld, 'malformed');
    assert.equal(refusalNotice('chat', refusal({ host: 'a b' }), { trusted: true }).withheld, 'malformed');
    assert.ok(looksLikeRebinding('https://Evil.example:444', 'evil.example'));
    assert.ok(!looksLikeRebinding('http://localhost:3000', 'localhost:8765'));
    assert.ok(!looksLikeRebinding('http://127.0.0.1:3000', '127.0.0.1:8080'));
    assert.ok(!looksLikeRebinding('https://app-3000.example.dev', 'app-8765.example.dev'));
  });

  it('remembers refusals per mock, origin and host, so only the first one notifies (bounded)', () => {
    const mem = new RefusalMemory(2);
    assert.ok(mem.first('m1', refusal()));
    assert.ok(!mem.first('m1', refusal()));
    assert.ok(mem.first('m2', refusal()));
    assert.ok(mem.first('m1', refusal({ origin: 'http://b.test' })));
    assert.ok(!mem.first('m1', refusal({ origin: 'http://c.test' })), 'bounded per mock');
    mem.forget('m1');
    assert.ok(mem.first('m1', refusal()));
  });
});

describe('where the extension runs in a remote window', () => {
  it('stays a workspace extension, so connections and mocks run next to the workspace (docs/vscode.md#remote-windows-where-connections-and-mocks-run)', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { extensionKind?: string[] };
    assert.deepEqual(pkg.extensionKind, ['workspace']);
  });
});
