import assert from 'node:assert/strict';
import { findWsUrls } from '../../../src/extension/workflow/wsUrls';

describe('workflow CodeLens URL finder', () => {
  it('finds ws:// and wss:// URLs with their offsets, trimming trailing punctuation', () => {
    const text = `const a = 'ws://127.0.0.1:8080/chat';\n// see wss://api.example.com/v1/stream?x=1.\n`;
    assert.deepEqual(findWsUrls(text), [
      { url: 'ws://127.0.0.1:8080/chat', offset: text.indexOf('ws://') },
      { url: 'wss://api.example.com/v1/stream?x=1', offset: text.indexOf('wss://') },
    ]);
  });

  it('skips template holes, hostless URLs and other schemes', () => {
    assert.deepEqual(findWsUrls('`ws://${host}/x` "ws://" http://a.b ws:/bad'), []);
  });

  it('stops at quotes, brackets and whitespace', () => {
    assert.deepEqual(findWsUrls('connect("ws://h:1/p")[ws://h2/q] <wss://h3>').map((u) => u.url), ['ws://h:1/p', 'ws://h2/q', 'wss://h3']);
  });
});
