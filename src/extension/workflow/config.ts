import * as vscode from 'vscode';
import type { ConnectionOptions } from '../../core/engine/connection';
import { collectionSizeLimit, DEFAULT_MAX_COLLECTION_MB } from '../../core/collections/fsio';
import { decideBindAddress, mocksToAutoStart, type BindDecision, type SettingInspect } from './trust';

/** Section of every setting (`websocketWorkbench.*`). */
export const SECTION = 'websocketWorkbench';

function cfg(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : fallback;
  return Math.min(max, Math.max(min, n));
}

/** Typed, bounded reads of the workflow's settings (package.json declares the same bounds). */
export const settings = {
  sessionsFolder(): string {
    const v = cfg().get<string>('sessions.folder', '.websocket/sessions');
    return typeof v === 'string' && v.trim() ? v.trim() : '.websocket/sessions';
  },
  payloadPreviewBytes(): number {
    return clampInt(cfg().get('timeline.payloadPreviewKB'), 1, 16384, 64) * 1024;
  },
  memoryBudgetBytes(): number {
    return clampInt(cfg().get('timeline.memoryBudgetMB'), 8, 4096, 64) * 1024 * 1024;
  },
  /** Largest collection file read (bytes); larger ones are a diagnostic, not parsed. */
  maxCollectionBytes(): number {
    return collectionSizeLimit(clampInt(cfg().get('collections.maxFileSizeMB'), 1, 100, DEFAULT_MAX_COLLECTION_MB));
  },
  recentUrlsMax(): number {
    return clampInt(cfg().get('connection.recentUrls'), 0, 50, 10);
  },
  codeLens(): boolean {
    return cfg().get<boolean>('codeLens.enabled', true) !== false;
  },
  /** Defaults applied under a saved request's own options. */
  defaultConnectionOptions(): Omit<ConnectionOptions, 'url'> {
    const c = cfg();
    const o: Omit<ConnectionOptions, 'url'> = {
      handshakeTimeoutMs: clampInt(c.get('connection.handshakeTimeoutMs'), 100, 300_000, 10_000),
      maxPayload: clampInt(c.get('connection.maxPayloadMB'), 1, 2048, 100) * 1024 * 1024,
      autoPong: c.get<boolean>('connection.autoPong', true) !== false,
      deflate: c.get<boolean>('connection.deflate', false) === true,
      followRedirects: c.get<boolean>('connection.followRedirects', false) === true,
      payloadPreviewBytes: settings.payloadPreviewBytes(),
    };
    const ping = clampInt(c.get('connection.pingIntervalMs'), 0, 3_600_000, 0);
    if (ping > 0) o.pingIntervalMs = ping;
    if (c.get<boolean>('connection.rejectUnauthorized', true) === false) o.tls = { rejectUnauthorized: false };
    return o;
  },
  /** Where a mock binds, given the definition's own host and Workspace Trust. */
  bindAddress(definitionHost: string | undefined, isTrusted = vscode.workspace.isTrusted): BindDecision {
    return decideBindAddress(cfg().inspect<string>('mock.bindAddress') as SettingInspect<string> | undefined, definitionHost, isTrusted);
  },
  /** Mock names to start when the workspace opens (none when restricted). */
  autoStartMocks(isTrusted = vscode.workspace.isTrusted): string[] {
    return mocksToAutoStart(cfg().inspect<string[]>('mock.autoStart') as SettingInspect<string[]> | undefined, isTrusted);
  },
};
