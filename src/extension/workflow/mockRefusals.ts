/**
 * What the user is told when a mock refuses a browser (Origin or Host check), and what Allow would
 * add. Pure: no vscode import (the adapter is remoteMocks.ts). Nothing here allows anything; it
 * decides whether Allow may be offered at all:
 * - never in Restricted Mode (an untrusted workspace never widens a mock);
 * - never for a value cut short or not shaped as an origin / a host;
 * - never for a Host whose name is the page's own non-IP name: a page served from `evil.example`
 *   reaching the mock as `evil.example:8765` is what DNS rebinding looks like, so only a hand edit of
 *   `allowedHosts` lets such a name in.
 */
import { normaliseHost, normaliseOrigin, parseHostHeader } from '../../core/engine/mock/gate';
import type { MockRefusal } from '../../core/engine/mock/gate';

export const ALLOW_ACTION = 'Allow';
export const OPEN_COLLECTION_ACTION = 'Open Collection';

/** Warning code of the refusal notification (docs/error-codes.md). */
export const MOCK_REFUSED_BROWSER = 'WSWB_MOCK_REFUSED_BROWSER';

export interface RefusalNotice {
  message: string;
  /** What Allow adds; absent when Allow must not be offered. */
  allow?: { origins: string[]; hosts: string[] };
  /** Why Allow is not offered, when it is not. */
  withheld?: 'untrusted' | 'rebinding' | 'malformed';
}

/** True when the Host names the page's own host (not an IP, not localhost): the DNS rebinding shape. */
export function looksLikeRebinding(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  const h = parseHostHeader(host, false);
  if (!h || h.bare === 'localhost' || /^[0-9.]+$/.test(h.bare) || h.bare.includes(':')) return false;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  return o.hostname.toLowerCase() === h.bare;
}

/** The notification for one refusal (see the module comment for when Allow is withheld). */
export function refusalNotice(mockName: string, r: MockRefusal, opts: { trusted: boolean; file?: string }): RefusalNotice {
  const from = r.origin !== undefined ? `from ${r.origin}` : 'without an Origin';
  const via = r.reasons.includes('host') ? ` through host ${r.host ?? '(none)'}` : '';
  const what = [r.reasons.includes('origin') ? 'origin' : '', r.reasons.includes('host') ? 'host' : ''].filter(Boolean).join(' and ');
  const base = `Mock "${mockName}" refused a connection ${from}${via}.`;
  if (!opts.trusted) return { message: `${base} Restricted Mode: a mock's allowed origins and hosts cannot be widened in an untrusted workspace.`, withheld: 'untrusted' };
  if (r.truncated) return { message: `${base} The request's headers are too long to allow.`, withheld: 'malformed' };
  const origins: string[] = [];
  const hosts: string[] = [];
  if (r.reasons.includes('origin')) {
    const o = r.origin !== undefined ? normaliseOrigin(r.origin) : undefined;
    if (!o) return { message: `${base} Its Origin is not one a mock can allow.`, withheld: 'malformed' };
    origins.push(o);
  }
  if (r.reasons.includes('host')) {
    if (looksLikeRebinding(r.origin, r.host)) {
      return { message: `${base} The page reached the mock under its own name, which is what DNS rebinding looks like; list the name in the mock's allowedHosts by hand if it is yours.`, withheld: 'rebinding' };
    }
    const h = r.host !== undefined ? normaliseHost(r.host) : undefined;
    if (!h) return { message: `${base} Its Host is not one a mock can allow.`, withheld: 'malformed' };
    hosts.push(h);
  }
  const them = origins.length + hosts.length > 1 ? 'them' : 'it';
  const where = opts.file ? `adds ${them} to the mock's ${[origins.length ? 'allowedOrigins' : '', hosts.length ? 'allowedHosts' : ''].filter(Boolean).join(' and ')} in ${opts.file}` : `allows ${them} until the mock stops`;
  return { message: `${base} Allow this ${what}? (${where})`, allow: { origins, hosts } };
}

/** Remembers which refusals were already shown (per mock, origin and host), so only the first one raises a notification. Bounded. */
export class RefusalMemory {
  private readonly seen = new Map<string, Set<string>>();
  constructor(private readonly maxPerMock = 64) {}

  /** True the first time this mock refuses this origin through this host (and while under the bound). */
  first(mockId: string, r: MockRefusal): boolean {
    let s = this.seen.get(mockId);
    if (!s) this.seen.set(mockId, (s = new Set()));
    const key = `${r.origin ?? ''}\u0000${r.reasons.includes('host') ? (r.host ?? '') : ''}`;
    if (s.has(key) || s.size >= this.maxPerMock) return false;
    s.add(key);
    return true;
  }

  forget(mockId: string): void {
    this.seen.delete(mockId);
  }
}
