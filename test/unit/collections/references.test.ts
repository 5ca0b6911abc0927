import assert from 'node:assert/strict';
import { isReference, referencesIn, replaceReferences, startsWithReference, VARIABLE_NAME, withPlaceholders } from '../../../src/core/collections/references';

describe('references: the one {{name}} / {{secret:name}} grammar', () => {
  it('finds names and secret names, spaces inside the braces allowed', () => {
    assert.deepEqual(referencesIn('a {{x}} {{ y.z-1 }} {{secret:tok}} {{x}}'), ['x', 'y.z-1', 'secret:tok', 'x']);
    assert.deepEqual(referencesIn('{{1x}} {{a b}} {{}} {{a:b}} plain'), [], 'not names of the schema');
  });

  it('replaces what resolves and keeps the rest as written', () => {
    assert.equal(replaceReferences('{{a}}/{{ secret:s }}/{{b}}', (k) => ({ a: 'A', 'secret:s': 'S' })[k]), 'A/S/{{b}}');
    assert.equal(withPlaceholders('{"n": {{n}}}', '0'), '{"n": 0}');
  });

  it('tells a whole-value reference from a literal', () => {
    for (const s of ['{{secret:t}}', ' {{ t }} ']) assert.equal(isReference(s), true, s);
    for (const s of ['', 'tok', 'Bearer {{t}}', '{{a}}{{b}}', '{{not a name}}']) assert.equal(isReference(s), false, s);
    assert.equal(startsWithReference('{{base}}/x'), true);
    assert.equal(startsWithReference('ws://{{h}}'), false);
    assert.equal(VARIABLE_NAME.test('_a.b-c9'), true);
    assert.equal(VARIABLE_NAME.test('a:b'), false);
  });
});
