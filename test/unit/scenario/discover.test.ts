import assert from 'node:assert/strict';
import { discoverTests } from '../../../src/core/scenario/discover';
import { chatCollection } from './fixtures';

describe('scenario discovery (Test Explorer items)', () => {
  it('lists scenarios, then requests with expectations, each with the range of its definition', () => {
    const doc = chatCollection([{ name: 'first', description: 'd', steps: [{ wait: 1 }] }, { name: 'second', steps: [{ wait: 2 }] }]);
    (doc.requests as Array<Record<string, unknown>>).push({ name: 'checked', url: 'ws://127.0.0.1:1/', messages: [{ name: 'm', kind: 'text', data: 'x', expect: [{ regex: 'x' }] }] });
    const text = JSON.stringify(doc, null, 2);
    const found = discoverTests(text, 'c.websocket.json');
    assert.equal(found.ok, true);
    assert.deepEqual(found.tests.map((t) => [t.id, t.kind, t.description]), [
      ['scenario:first', 'scenario', 'd'],
      ['scenario:second', 'scenario', undefined],
      ['request:checked', 'request', undefined],
    ]);
    const lines = text.split('\n');
    for (const t of found.tests) {
      assert.equal(lines[t.range.start.line - 1]![t.range.start.column - 1], '{');
      assert.equal(lines[t.range.end.line - 1]![t.range.end.column - 2], '}');
      assert.match(lines.slice(t.range.start.line - 1, t.range.end.line).join('\n'), new RegExp(`"name": "${t.name}"`));
    }
  });

  it('an invalid file has no tests and says why', () => {
    const found = discoverTests('{"version": 1, "name": "x", "scenarios": [{"name": "s", "steps": [{"connect": "nope"}]}]}', 'c.websocket.json');
    assert.equal(found.ok, false);
    assert.equal(found.tests.length, 0);
    assert.match(found.errors[0]!.message, /no request named "nope"/);
  });
});
