import assert from 'node:assert/strict';
import { decideBindAddress, effectiveSetting, isLoopback, mocksToAutoStart, trustPolicy } from '../../../src/extension/workflow/trust';

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
});
