/** Finding connectable WebSocket URLs in source text. No vscode import (unit-tested in plain Node). */

/** ws:// and wss:// URLs in source text (stops at quotes, whitespace, brackets and template holes). */
const WS_URL = /\bwss?:\/\/[^\s'"`<>(){}\[\]\\]+/g;
const MAX_LENSES = 200;
const MAX_TEXT = 2 * 1024 * 1024;

/** The URLs a document mentions, with their offsets (pure: used by the CodeLens and its tests). */
export function findWsUrls(text: string): Array<{ url: string; offset: number }> {
  if (text.length > MAX_TEXT) return [];
  const out: Array<{ url: string; offset: number }> = [];
  for (const m of text.matchAll(WS_URL)) {
    const url = m[0].replace(/[.,;:]+$/, '');
    // `ws://${host}` style templates are not connectable as written.
    if (url.includes('$') && /\$$|\$\{/.test(text.slice(m.index!, m.index! + m[0].length + 2))) continue;
    try {
      const u = new URL(url);
      if (!u.hostname) continue;
    } catch {
      continue;
    }
    out.push({ url, offset: m.index! });
    if (out.length >= MAX_LENSES) break;
  }
  return out;
}

