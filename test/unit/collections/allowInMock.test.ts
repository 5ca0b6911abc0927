import assert from 'node:assert/strict';
import { allowInMock } from '../../../src/core/collections/edit';

const file = `{
    "version": 1,
    "name": "x",
    "mocks": [
        {
            "name": "chat",
            "allowedOrigins": [
                "https://a.example"
            ],
            "echo": true
        },
        { "name": "plain" }
    ]
}
`;

describe('collections: allowInMock (what Allow after a mock refusal writes)', () => {
  it('appends to an existing list in its own layout, creates a missing one, leaves every other line as it was', () => {
    const out = allowInMock(file, 'chat', { origins: ['http://app.test:5173'], hosts: ['127.0.0.1:8080'] });
    assert.equal(out, file.replace('"https://a.example"\n', '"https://a.example",\n                "http://app.test:5173"\n').replace('"echo": true\n', '"echo": true,\n            "allowedHosts": [\n                "127.0.0.1:8080"\n            ]\n'));
    const inline = allowInMock(file, 'plain', { origins: ['http://app.test:5173'] });
    assert.equal(inline, file.replace('{ "name": "plain" }', '{ "name": "plain", "allowedOrigins": [ "http://app.test:5173" ] }'));
  });

  it('skips values already listed (any case) and repeated values; keeps CRLF', () => {
    assert.equal(allowInMock(file, 'chat', { origins: ['HTTPS://A.example'] }), file);
    const crlf = file.replace(/\n/g, '\r\n');
    const out = allowInMock(crlf, 'chat', { origins: ['http://b.test', 'http://b.test'] });
    assert.equal(out.split('http://b.test').length, 2);
    assert.ok(!/[^\r]\n/.test(out));
  });

  it('refuses an unknown mock and a file that does not validate', () => {
    assert.throws(() => allowInMock(file, 'nope', { origins: ['http://b.test'] }), (e: { code?: string }) => e.code === 'WSWB_MOCK_NOT_FOUND');
    assert.throws(() => allowInMock('{ "version": 1, ', 'chat', {}), (e: { code?: string }) => e.code === 'WSWB_REFUSE_WRITE_INVALID');
  });
});
