/** A chat collection for scenario tests: a mock on a free port that broadcasts what is said. */
export function chatCollection(scenarios: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    name: 'chat',
    requests: [
      {
        name: 'chat',
        url: 'ws://127.0.0.1:{{mock.chat.port}}/chat?user={{user}}',
        messages: [
          { name: 'join', kind: 'json', data: { type: 'join', room: 'lobby' } },
          { name: 'say', kind: 'json', data: { type: 'say', text: 'hi {{roomId}}' } },
        ],
      },
    ],
    mocks: [
      {
        name: 'chat',
        echo: false,
        rules: [
          { name: 'join', match: { json: { path: 'type', equals: 'join' } }, respond: [{ json: { type: 'joined', room: '{{json.room}}', user: '{{connection.query.user}}' } }] },
          { name: 'say', match: { json: { path: 'type', equals: 'say' } }, broadcast: true, respond: [{ json: { type: 'message', text: '{{json.text}}', from: '{{connection.query.user}}' } }] },
        ],
      },
    ],
    environments: { alice: { user: 'alice' }, bob: { user: 'bob' } },
    scenarios,
    ...extra,
  };
}
