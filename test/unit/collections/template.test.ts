import assert from 'node:assert/strict';
import fc from 'fast-check';
import { render, renderJson, maskedValues, substituteDeep, referencesIn, spanTexts, isReference, replaceReferences, startsWithReference, VARIABLE_NAME, withPlaceholders } from '../../../src/core/collections/template';
import { compileMask, secretForms, REDACTED } from '../../../src/core/collections/secretMask';
import { resolveVariables } from '../../../src/core/collections/variables';
import type { Collection, RequestDef } from '../../../src/core/collections/types';

describe('collections: template (the {{…}} grammar and secret spans)', () => {
  const vars = { values: { 'secret:pw': 'p"w\\', user: 'ada', 'secret:tok': 'T' } };

  it('renders references and marks the spans that came from secrets', () => {
    const r = render('{{user}}:{{ secret:pw }}/{{missing}}', vars);
    assert.equal(r.text, 'ada:p"w\\/');
    assert.deepEqual(r.spans, [[4, 8]]);
    assert.deepEqual(r.missing, ['missing']);
    assert.deepEqual(referencesIn('{{a}} {{secret:b}} {{ }}'), ['a', 'secret:b']);
  });

  it('renderJson gives JSON.stringify of the substituted value, spans in their JSON-escaped form', () => {
    const r = renderJson({ '{{secret:pw}}': ['x{{secret:pw}}y', 1, null, { user: '{{user}}' }], 2: true }, vars);
    assert.equal(r.text, JSON.stringify(substituteDeep({ '{{secret:pw}}': ['x{{secret:pw}}y', 1, null, { user: '{{user}}' }], 2: true }, vars)));
    assert.deepEqual(spanTexts(r), ['p\\"w\\\\', 'p\\"w\\\\']);
  });

  it('renderJson equals JSON.stringify(substituteDeep(…)) for any JSON value (property)', () => {
    const leaf = fc.oneof(fc.string(), fc.constantFrom('{{secret:pw}}', 'a{{user}}b{{secret:tok}}'), fc.integer(), fc.boolean(), fc.constant(null));
    const json = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string().filter((k) => k !== '__proto__'), fc.constant('{{secret:tok}}')), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(json, (v) => {
        const r = renderJson(v, vars);
        assert.equal(r.text, JSON.stringify(substituteDeep(v, vars)));
        for (const [a, b] of r.spans) assert.ok(a < b && b <= r.text.length);
      }),
      { numRuns: 200 },
    );
  });

  it('a variable built from a secret carries its span through nesting; maskedValues masks by construction', async () => {
    const request: RequestDef = { name: 'r', url: 'ws://h/{{path}}', variables: { path: 'x-{{inner}}-y', inner: '[{{secret:pw}}]' } };
    const collection: Collection = { version: 1, name: 'c', requests: [request] };
    const r = await resolveVariables(collection, request, { secrets: { get: async () => 'S3CRET' } });
    assert.equal(r.values.path, 'x-[S3CRET]-y');
    assert.deepEqual(r.secretSpans.path, [[3, 9]]);
    assert.equal(render('{{path}}', maskedValues(r, REDACTED)).text, `x-[${REDACTED}]-y`);
  });
});

describe('collections: secretMask (the value scrubber)', () => {
  it('masks base64 of a secret at every byte alignment, and of user:password', () => {
    const secret = 'open sesame now';
    const m = compileMask([secret]);
    for (const prefix of ['', 'a', 'ab', 'abc', 'ada:']) {
      for (const suffix of ['', 'z', 'zz']) {
        const b64 = Buffer.from(prefix + secret + suffix).toString('base64');
        const masked = m.text(`x ${b64} y`);
        assert.ok(masked.includes(REDACTED), `${prefix}|${suffix}: ${masked}`);
        assert.equal(masked.includes(b64), false);
      }
    }
  });

  it('covers URL-class, form, JSON and hex forms, and the bytes of a hex secret', () => {
    const forms = secretForms("it's a \"b\"+c");
    for (const f of ['it%27s%20a%20%22b%22+c', 'it%27s+a+%22b%22%2Bc', 'it\'s a \\"b\\"+c', Buffer.from('it\'s a "b"+c').toString('hex')]) assert.ok(forms.includes(f), f);
    const m = compileMask(['deadbeef01']);
    assert.deepEqual([...m.bytes(Uint8Array.from([1, 0xde, 0xad, 0xbe, 0xef, 0x01, 2]))], [1, ...Buffer.from(REDACTED), 2]);
  });
});

describe('collections: template, the grammar as the panel, webview and workflow use it', () => {
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
