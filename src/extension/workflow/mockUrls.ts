/**
 * Which URL of a mock is for whom, in a remote window (Remote-SSH, WSL, Dev Containers, Codespaces,
 * code-server): the local one (`ws://127.0.0.1:8765/`) is where the mock listens, on the machine of
 * the extension host; the browser one is what `vscode.env.asExternalUri` gives for it, a URL a
 * browser on the user's machine can reach (a forwarded port, or code-server's /proxy/<port>/).
 * No vscode import: the adapter (remoteMocks.ts) calls asExternalUri with what this computes.
 */

/** VS Code forwards http(s) URIs only: the mock's ws(s) URL as the http(s) URL asExternalUri understands. */
export function forwardableUri(wsUrl: string): string | undefined {
  let u: URL;
  try {
    u = new URL(wsUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return undefined;
  // `new URL` keeps ws(s) as special schemes; rebuild the text so no default port is lost.
  return `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}${u.pathname}${u.search}`;
}

/** asExternalUri's http(s) answer back as the ws(s) URL a browser opens. */
export function browserWsUrl(external: string): string | undefined {
  const m = /^(https?):\/\/(.*)$/i.exec(external.trim());
  if (!m) return undefined;
  return `${m[1]!.toLowerCase() === 'https' ? 'wss' : 'ws'}://${m[2]}`;
}

/** One URL of a running mock, labelled for the user. */
export interface MockUrlChoice {
  which: 'browser' | 'local';
  label: string;
  detail: string;
  url: string;
}

export const LOCAL_LABEL = 'Local (extension host)';
export const BROWSER_LABEL = 'Browser (your machine)';

/**
 * The URLs to offer, browser first (what a user pastes into the app under test); one entry when
 * they are the same (a local window, or no forwarding available).
 */
export function mockUrlChoices(m: { url: string; browserUrl?: string | undefined }): MockUrlChoice[] {
  const local: MockUrlChoice = { which: 'local', label: LOCAL_LABEL, detail: 'where the mock listens; for clients running next to VS Code\'s extension host (terminals, tasks, the Workbench panel)', url: m.url };
  if (!m.browserUrl || m.browserUrl === m.url) return [{ ...local, label: 'Local and browser', detail: 'the mock\'s address; a browser on this machine reaches it as it is' }];
  return [
    { which: 'browser', label: BROWSER_LABEL, detail: 'forwarded by VS Code; for a browser or app on the machine you work from', url: m.browserUrl },
    local,
  ];
}
