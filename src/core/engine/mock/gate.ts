/**
 * The mock's handshake gate: the Host check (DNS rebinding guard) and the Origin allow-list, and the
 * refusal they produce. Pure: no sockets, unit-tested on its own.
 *
 * Host: an IP literal cannot be rebound, so loopback, the bound address (or any, when bound to a
 * wildcard) pass at the bound port; `localhost` too; any other name only when listed in
 * `allowedHosts`. An entry with a port (`127.0.0.1:8080`, `app-8765.example.dev:443`) matches that
 * host and port only, which is what a forwarded port looks like (code-server's /proxy/<port>/ keeps
 * the browser's Host, VS Code's port forwarding may pick another local port); an entry without a
 * port matches that name sent without a port (a forwarder on a default port) or on the bound port.
 *
 * Origin: loopback origins (any port) pass; others only when listed in `allowedOrigins` (exact
 * origin, `scheme://host:*` for any port, or `*`).
 */
import { isIP } from 'node:net';

/** Longest origin or host a refusal carries (the rest of a hostile header is cut). */
export const MAX_REFUSAL_FIELD = 256;

const LOOPBACK_ORIGIN_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** What the gate checks against: the definition's lists plus what was allowed while running. */
export interface GatePolicy {
  boundHost: string;
  boundPort: number;
  tls: boolean;
  checkHost: boolean;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

/** Why a handshake was refused by the gate, as the refusal event reports it. */
export type RefusalReason = 'host' | 'origin';

/**
 * A refused handshake, as the mock reports it to its owner (no payload, no other headers): which
 * checks failed, with the Origin and Host as sent (cut to MAX_REFUSAL_FIELD characters).
 */
export interface MockRefusal {
  /** Mock name. */
  mock: string;
  /** Connection id the timeline recorded the refusal under. */
  connection: string;
  time: number;
  reasons: RefusalReason[];
  /** The Origin header, when there was one. */
  origin?: string;
  /** The Host header, when there was one. */
  host?: string;
  /** Either field was longer than MAX_REFUSAL_FIELD and was cut (such a value is never offered for allowing). */
  truncated?: boolean;
}

/** Splits a Host header into a lower-case name (IPv6 in brackets) and a port (the scheme's default when absent). */
export function parseHostHeader(hostHeader: string | undefined, tls: boolean): { name: string; bare: string; port: number; explicitPort: boolean } | undefined {
  if (!hostHeader) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]\s]+)(?::(\d{1,5}))?$/.exec(hostHeader.trim());
  if (!m) return undefined;
  const name = (m[1] ?? '').toLowerCase();
  const port = m[2] !== undefined ? Number(m[2]) : tls ? 443 : 80;
  if (port > 65535) return undefined;
  return { name, bare: name.startsWith('[') ? name.slice(1, -1) : name, port, explicitPort: m[2] !== undefined };
}


export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** True when the Host header names this mock (see the module comment). */
export function hostAllowed(policy: GatePolicy, hostHeader: string | undefined): boolean {
  const h = parseHostHeader(hostHeader, policy.tls);
  if (!h) return false;
  for (const entry of policy.allowedHosts) {
    const e = parseHostHeader(entry, policy.tls);
    if (!e) continue;
    const sameName = e.name === h.name || e.bare === h.bare;
    // `name` matches `name` as sent (forwarders on default ports) and `name:<bound port>`.
    if (sameName && (e.explicitPort ? e.port === h.port : !h.explicitPort || h.port === policy.boundPort)) return true;
  }
  if (h.port !== policy.boundPort) return false;
  if (h.name === 'localhost') return true;
  if (isIP(h.bare) === 0) return false;
  const bound = policy.boundHost.toLowerCase();
  return h.bare === bound || isLoopbackHost(h.bare) || bound === '0.0.0.0' || bound === '::';
}

/** True when the Origin is loopback or allowed (see the module comment). */
export function originAllowed(policy: GatePolicy, origin: string): boolean {
  if (policy.allowedOrigins.includes('*')) return true;
  const o = origin.trim().toLowerCase();
  const patterns = [...LOOPBACK_ORIGIN_HOSTS.flatMap((h) => [`http://${h}:*`, `https://${h}:*`]), ...policy.allowedOrigins.map((a) => a.toLowerCase().replace(/\/$/, ''))];
  return patterns.some((p) => {
    if (p.endsWith(':*')) {
      const base = p.slice(0, -2);
      return o === base || (o.startsWith(base + ':') && /^\d+$/.test(o.slice(base.length + 1)));
    }
    return o === p;
  });
}

/** Runs both checks; the failed ones, Host first (the order the mock answers them in). */
export function gateReasons(policy: GatePolicy, hostHeader: string | undefined, origin: string | undefined): RefusalReason[] {
  const out: RefusalReason[] = [];
  if (policy.checkHost && !hostAllowed(policy, hostHeader)) out.push('host');
  if (origin !== undefined && !originAllowed(policy, origin)) out.push('origin');
  return out;
}

/** Cuts a header value for a refusal event. */
export function boundField(v: string | undefined): { value?: string; cut: boolean } {
  if (v === undefined) return { cut: false };
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, '');
  return clean.length > MAX_REFUSAL_FIELD ? { value: clean.slice(0, MAX_REFUSAL_FIELD), cut: true } : { value: clean, cut: false };
}

/**
 * Normalises what a user may allow at run time: an origin as `scheme://host[:port]` (lower case, no
 * path), a host as `name[:port]`; undefined when the value is not one (a refusal's raw header may be
 * anything a client sent).
 */
export function normaliseOrigin(origin: string): string | undefined {
  const o = origin.trim();
  if (o === '*' || o.length > MAX_REFUSAL_FIELD) return undefined;
  let u: URL;
  try {
    u = new URL(o);
  } catch {
    return undefined;
  }
  if (!/^https?:$/.test(u.protocol) || !u.hostname || u.username || u.password) return undefined;
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return undefined;
  return u.origin.toLowerCase();
}

export function normaliseHost(host: string): string | undefined {
  if (host.length > MAX_REFUSAL_FIELD) return undefined;
  const h = parseHostHeader(host, false);
  if (!h) return undefined;
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/.test(h.name)) return undefined;
  return h.explicitPort ? `${h.name}:${h.port}` : h.name;
}
