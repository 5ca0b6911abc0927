import assert from 'node:assert/strict';
import { openWebview, snapshot } from './harness';
import { CONTRACT_VERSION } from '../../src/shared/contract';

describe('webview: ready handshake (real bundle in headless Chromium)', () => {
  it('asks the host for a snapshot first and renders from it', async () => {
    const w = await openWebview();
    try {
      const ready = await w.request('ready');
      assert.equal(ready.params.contractVersion, CONTRACT_VERSION, 'the bundle sends the version it was built with');
      await w.reply(ready, snapshot());
      await w.page.waitForSelector('body[data-ready="true"]');
      const ua = await w.page.evaluate(() => navigator.userAgent);
      assert.match(ua, /Chrome\/\d+/);
      console.log(`      rendered in ${ua.match(/(Headless)?Chrome\/[\d.]+/)?.[0]}`);
    } finally {
      await w.close();
    }
  });

  it('shows the error when the host refuses the handshake', async () => {
    const w = await openWebview();
    try {
      const ready = await w.request('ready');
      await w.replyError(ready, 'WSWB_RPC_CONTRACT_MISMATCH', 'webview contract 1 ≠ host 2');
      await w.page.waitForFunction(() => document.body.textContent?.includes('WSWB_RPC_CONTRACT_MISMATCH') || document.body.textContent?.includes('contract 1'));
    } finally {
      await w.close();
    }
  });
});
