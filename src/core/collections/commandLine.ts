/**
 * "Copy as websocat / wscat": a saved request as a shell command line. Every argument is quoted for
 * POSIX shells; secret values are replaced with •••• unless the caller asks to reveal them.
 */
import { redact, resolveRequest } from './variables';
import type { ResolvedVariables } from './variables';
import type { RequestDef } from './types';

/** Options for the command-line exports. */
export interface CommandLineOptions {
  /** Put real secret values in the command (default false: masked). */
  revealSecrets?: boolean;
}

/** Quotes one argument for sh/bash/zsh: bare when safe, otherwise in single quotes. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_\-.,:/@%+=]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function urlWithQuery(r: RequestDef): string {
  if (!r.query || !Object.keys(r.query).length) return r.url;
  const qs = Object.entries(r.query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return r.url + (r.url.includes('?') ? '&' : '?') + qs;
}

function prepare(request: RequestDef, resolved: Pick<ResolvedVariables, 'values' | 'secretValues'>, opts: CommandLineOptions) {
  const r = resolveRequest(request, resolved);
  // Mask before quoting: quoting can split a secret (e.g. one containing a quote) past recognition.
  const finish = (args: string[]) => (opts.revealSecrets ? args : redact(args, resolved)).map(shellQuote).join(' ');
  return { r, finish };
}

function authHeader(r: RequestDef): string | undefined {
  if (r.auth?.type === 'bearer') return `Authorization: Bearer ${r.auth.token}`;
  if (r.auth?.type === 'basic') return `Authorization: Basic ${Buffer.from(`${r.auth.username}:${r.auth.password}`, 'utf8').toString('base64')}`;
  return undefined;
}

/** `websocat` (1.x) command for the request. */
export function toWebsocatCommand(request: RequestDef, resolved: Pick<ResolvedVariables, 'values' | 'secretValues'>, opts: CommandLineOptions = {}): string {
  const { r, finish } = prepare(request, resolved, opts);
  const args = ['websocat'];
  for (const [k, v] of Object.entries(r.headers ?? {})) args.push('-H', `${k}: ${v}`);
  const auth = authHeader(r);
  if (auth) args.push('-H', auth);
  if (r.subprotocols?.length) args.push('--protocol', r.subprotocols.join(', '));
  if (r.origin !== undefined) args.push('--origin', r.origin);
  if (r.tls?.rejectUnauthorized === false) args.push('--insecure');
  if (r.keepAlive?.pingIntervalMs) args.push('--ping-interval', String(Math.max(1, Math.round(r.keepAlive.pingIntervalMs / 1000))));
  args.push(urlWithQuery(r));
  return finish(args);
}

/** `wscat` (ws 8.x) command for the request. */
export function toWscatCommand(request: RequestDef, resolved: Pick<ResolvedVariables, 'values' | 'secretValues'>, opts: CommandLineOptions = {}): string {
  const { r, finish } = prepare(request, resolved, opts);
  const args = ['wscat', '-c', urlWithQuery(r)];
  for (const [k, v] of Object.entries(r.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (r.auth?.type === 'basic') args.push('--auth', `${r.auth.username}:${r.auth.password}`);
  else if (r.auth?.type === 'bearer') args.push('-H', `Authorization: Bearer ${r.auth.token}`);
  for (const p of r.subprotocols ?? []) args.push('-s', p);
  if (r.origin !== undefined) args.push('-o', r.origin);
  if (r.tls?.rejectUnauthorized === false) args.push('-n');
  if (r.tls?.caFile) args.push('--ca', r.tls.caFile);
  if (r.tls?.certFile) args.push('--cert', r.tls.certFile);
  if (r.tls?.keyFile) args.push('--key', r.tls.keyFile);
  if (r.proxy && r.proxy !== 'env' && r.proxy !== 'none') args.push('--proxy', r.proxy);
  if (r.followRedirects) args.push('-L');
  if (r.followRedirects && r.maxRedirects !== undefined) args.push('--max-redirects', String(r.maxRedirects));
  return finish(args);
}
