/**
 * What the Artillery exporters share: their error, the environment variable a secret is read
 * from, and the URL a request connects to. Pure.
 */
import type { RequestDef } from '../collections/types';

export class ArtilleryExportError extends Error {
  constructor(
    message: string,
    readonly code: 'WSWB_EXPORT_UNSUPPORTED' | 'WSWB_SCENARIO_UNKNOWN_NAME' | 'WSWB_UNRESOLVED_VARIABLE',
  ) {
    super(message);
  }
}

/** The environment variable the CLI reads a secret from (src/cli/run.ts `envSecretResolver`). */
export function secretEnvName(name: string): string {
  return `WSWB_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The URL with the request's `query` appended, as the client builds it. */
export function requestUrl(r: RequestDef): string {
  if (!r.query || !Object.keys(r.query).length) return r.url;
  const q = Object.entries(r.query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v.replace(/[&#]/g, encodeURIComponent)}`)
    .join('&');
  return r.url + (r.url.includes('?') ? '&' : '?') + q;
}
