import * as vscode from 'vscode';
import type { ConnectionOptions } from '../../core/engine/connection';
import { collectionSizeLimit, DEFAULT_MAX_COLLECTION_MB } from '../../core/collections/fsio';
import { decideBindAddress, decideSessionsFolder, effectiveSetting, mocksToAutoStart, type BindDecision, type SessionsFolderDecision, type SettingInspect } from './trust';

/** Section of every setting (`websocketWorkbench.*`). */
export const SECTION = 'websocketWorkbench';

function cfg(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** A security setting's value: its workspace values count only in a trusted workspace (trust.ts). */
function trusted<T>(key: string, fallback: T, isTrusted = vscode.workspace.isTrusted): T {
  return effectiveSetting(cfg().inspect<T>(key) as SettingInspect<T> | undefined, isTrusted, fallback);
}

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : fallback;
  return Math.min(max, Math.max(min, n));
}

/** Typed, bounded reads of the workflow's settings (package.json declares the same bounds). */
export const settings = {
  /** The sessions folder under `root`; a restricted workspace cannot point it outside the workspace. */
  sessionsFolder(root: string, isTrusted = vscode.workspace.isTrusted): SessionsFolderDecision {
    return decideSessionsFolder(cfg().inspect<string>('sessions.folder') as SettingInspect<string> | undefined, root, isTrusted);
  },
  payloadPreviewBytes(): number {
    return clampInt(cfg().get('timeline.payloadPreviewKB'), 1, 16384, 64) * 1024;
  },
  memoryBudgetBytes(): number {
    return clampInt(cfg().get('timeline.memoryBudgetMB'), 8, 4096, 64) * 1024 * 1024;
  },
  /** Largest collection file read (bytes); larger ones are a diagnostic, not parsed. A restricted workspace cannot raise it. */
  maxCollectionBytes(): number {
    return collectionSizeLimit(clampInt(trusted('collections.maxFileSizeMB', DEFAULT_MAX_COLLECTION_MB), 1, 100, DEFAULT_MAX_COLLECTION_MB));
  },
  recentUrlsMax(): number {
    return clampInt(cfg().get('connection.recentUrls'), 0, 50, 10);
  },
  codeLens(): boolean {
    return cfg().get<boolean>('codeLens.enabled', true) !== false;
  },
  /** Defaults applied under a saved request's own options (TLS and redirects: user values only when restricted). */
  defaultConnectionOptions(): Omit<ConnectionOptions, 'url'> {
    const c = cfg();
    const o: Omit<ConnectionOptions, 'url'> = {
      handshakeTimeoutMs: clampInt(c.get('connection.handshakeTimeoutMs'), 100, 300_000, 10_000),
      maxPayload: clampInt(c.get('connection.maxPayloadMB'), 1, 2048, 100) * 1024 * 1024,
      autoPong: c.get<boolean>('connection.autoPong', true) !== false,
      deflate: c.get<boolean>('connection.deflate', false) === true,
      followRedirects: trusted<unknown>('connection.followRedirects', false) === true,
      payloadPreviewBytes: settings.payloadPreviewBytes(),
    };
    const ping = clampInt(c.get('connection.pingIntervalMs'), 0, 3_600_000, 0);
    if (ping > 0) o.pingIntervalMs = ping;
    if (trusted<unknown>('connection.rejectUnauthorized', true) === false) o.tls = { rejectUnauthorized: false };
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
