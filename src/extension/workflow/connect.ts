import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveVariables, toConnectionOptions, redact, type ResolvedVariables } from '../../core/collections/variables';
import type { Connection, ConnectionOptions } from '../../core/engine/connection';
import type { RequestRef } from './collectionIndex';
import type { SecretManager } from './secrets';
import type { Services } from '../services';
import type { OpenPanelOptions } from '../panel/panelManager';
import { settings } from './config';
import { TrustGatedSecrets } from './trust';
import { codeOf } from '../../core/errors';

/** Outcome of preparing a saved request for connecting. */
export type Prepared =
  | { ok: true; options: ConnectionOptions; resolved: ResolvedVariables }
  | { ok: false; code: string; message: string; unresolved: string[] };

/**
 * Resolves a saved request's variables (request → collection → environment → secret) and maps it
 * to ConnectionOptions over the default settings. Unresolved names are reported, never sent.
 */
export async function prepareRequest(ref: RequestRef, environment: string | undefined, secrets: SecretManager): Promise<Prepared> {
  const env = environment !== undefined && ref.collection.environments && Object.prototype.hasOwnProperty.call(ref.collection.environments, environment) ? environment : undefined;
  // Restricted Mode: no stored secret is read for a collection's request (trust.ts).
  const gate = new TrustGatedSecrets(secrets, () => vscode.workspace.isTrusted);
  const resolved = await resolveVariables(ref.collection, ref.request, { ...(env !== undefined ? { environment: env } : {}), secrets: gate });
  if (gate.refused.size) return { ok: false, ...gate.refusal(`"${ref.request.name}"`), unresolved: [...gate.refused].map((n) => `secret:${n}`) };
  if (!resolved.ok) {
    const names = resolved.unresolved.length ? resolved.unresolved : resolved.errors.map((e) => e.name);
    return {
      ok: false,
      code: resolved.errors[0]?.code ?? 'WSWB_UNRESOLVED_VARIABLE',
      message: `"${ref.request.name}" cannot connect: ${resolved.errors.map((e) => e.message).join('; ') || `unresolved ${names.join(', ')}`}`,
      unresolved: names,
    };
  }
  try {
    const options = { ...settings.defaultConnectionOptions(), ...toConnectionOptions(ref.request, resolved, { baseDir: path.dirname(ref.file) }) };
    return { ok: true, options, resolved };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { ok: false, code: codeOf(err), message: redact(e.message, resolved), unresolved: [] };
  }
}

/** Opens a panel connected to `url` (the panel feature's openForUrl) and returns its connection. */
export async function openConnection(services: Services, options: ConnectionOptions, panel: OpenPanelOptions = {}): Promise<Connection | undefined> {
  const { url, ...rest } = options;
  const wp = await services.panels.openForUrl(url, rest, panel);
  return wp.binding.connection;
}

/** A URL with user info removed, for recent lists and logs. */
export function safeUrl(url: string, secretValues: readonly string[] = []): string {
  let out = url;
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      out = u.toString();
    }
  } catch {
    // keep as typed
  }
  return redact(out, secretValues);
}

/** Recent URLs in globalState (most recent first, bounded by the setting). */
export class RecentUrls {
  private static readonly KEY = 'websocketWorkbench.recentUrls';
  constructor(private readonly state: vscode.Memento) {}
  list(): string[] {
    const v = this.state.get<unknown>(RecentUrls.KEY);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  }
  async add(url: string): Promise<void> {
    const max = settings.recentUrlsMax();
    const next = [url, ...this.list().filter((u) => u !== url)].slice(0, max);
    await this.state.update(RecentUrls.KEY, next);
  }
}

/** Whether a string is a ws:// or wss:// URL. */
export function isWsUrl(s: string): boolean {
  try {
    const u = new URL(s.trim());
    return u.protocol === 'ws:' || u.protocol === 'wss:';
  } catch {
    return false;
  }
}
