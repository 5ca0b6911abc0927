/**
 * Workspace Trust policy, as plain functions of `isTrusted` so it is unit-tested without VS Code.
 * Restricted workspace: collections are readable, connections need an explicit user action, mocks
 * never auto-start, workspace-level settings that lower security, open ports or write files
 * elsewhere are ignored, no `{{secret:…}}` is resolved, and a collection's mock cannot widen its own
 * exposure (bind address, Origin and Host checks).
 */
import * as path from 'node:path';
import type { SecretResolver } from '../../core/collections/variables';
import type { MockDefinition } from '../../core/engine/mock/definition';

/**
 * Settings whose workspace values are ignored in a restricted workspace (package.json declares the
 * same list in `capabilities.untrustedWorkspaces.restrictedConfigurations`; a unit test keeps them
 * equal). Each lowers security (TLS verification, redirects to other hosts), opens a port, or
 * writes files, or lifts a resource cap that protects the shared extension host.
 */
export const RESTRICTED_SETTINGS = [
  'connection.rejectUnauthorized',
  'connection.followRedirects',
  'sessions.folder',
  'mock.bindAddress',
  'mock.autoStart',
  'collections.maxFileSizeMB',
] as const;

/** VS Code's command that opens the Workspace Trust editor. */
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
/** Label of the action that runs it. */
export const MANAGE_TRUST_ACTION = 'Manage Workspace Trust';

/** A setting's values per scope, like vscode.WorkspaceConfiguration.inspect() returns. */
export interface SettingInspect<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** What the workflow may do on its own in this workspace. */
export interface TrustPolicy {
  /** Collections are read and validated (always: reading runs nothing). */
  readCollections: boolean;
  /** Connect without an explicit user action (e.g. on open). Never in a restricted workspace. */
  autoConnect: boolean;
  /** Start the mocks listed in `websocketWorkbench.mock.autoStart`. */
  autoStartMocks: boolean;
  /** Honour workspace-level values of settings that open ports. */
  workspacePortSettings: boolean;
  /** Honour a non-loopback `host` written in a collection's mock definition. */
  collectionBindAddress: boolean;
}

/** The policy for a trusted or a restricted workspace. */
export function trustPolicy(isTrusted: boolean): TrustPolicy {
  return {
    readCollections: true,
    autoConnect: isTrusted,
    autoStartMocks: isTrusted,
    workspacePortSettings: isTrusted,
    collectionBindAddress: isTrusted,
  };
}

/** Whether a setting is one of RESTRICTED_SETTINGS (key without the `websocketWorkbench.` section). */
export function isRestrictedSetting(key: string): boolean {
  return (RESTRICTED_SETTINGS as readonly string[]).includes(key);
}

/** A setting's effective value, dropping workspace scopes when the workspace is not trusted. */
export function effectiveSetting<T>(inspect: SettingInspect<T> | undefined, isTrusted: boolean, fallback: T): T {
  if (!inspect) return fallback;
  if (isTrusted) {
    if (inspect.workspaceFolderValue !== undefined) return inspect.workspaceFolderValue;
    if (inspect.workspaceValue !== undefined) return inspect.workspaceValue;
  }
  if (inspect.globalValue !== undefined) return inspect.globalValue;
  if (inspect.defaultValue !== undefined) return inspect.defaultValue;
  return fallback;
}

/** Loopback addresses (anything else exposes the mock beyond this machine). */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Where a mock binds, and the warning to show when that is not loopback. */
export interface BindDecision {
  host: string;
  /** Set when the address is not loopback, or when a workspace value was ignored. */
  warning?: string;
  /** Machine code of the warning (docs/error-codes.md, Workflow). */
  code?: 'WSWB_MOCK_EXPOSED' | 'WSWB_UNTRUSTED_BIND_IGNORED';
}

/**
 * The bind address of a mock: the definition's `host` if it names one, else the setting
 * `websocketWorkbench.mock.bindAddress`. In a restricted workspace neither the collection nor a
 * workspace-level setting may open a non-loopback port.
 */
export function decideBindAddress(setting: SettingInspect<string> | undefined, definitionHost: string | undefined, isTrusted: boolean): BindDecision {
  const fromSetting = effectiveSetting(setting, isTrusted, '127.0.0.1') || '127.0.0.1';
  let host = definitionHost ?? fromSetting;
  let ignored = false;
  if (!isTrusted && definitionHost !== undefined && !isLoopback(definitionHost)) {
    host = isLoopback(fromSetting) ? fromSetting : '127.0.0.1';
    ignored = true;
  }
  const wsValue = setting?.workspaceFolderValue ?? setting?.workspaceValue;
  if (!isTrusted && wsValue !== undefined && !isLoopback(wsValue)) ignored = true;
  if (!isLoopback(host)) {
    return { host, code: 'WSWB_MOCK_EXPOSED', warning: `The mock server listens on ${host}: other machines on the network can reach it.` };
  }
  if (ignored) {
    return { host, code: 'WSWB_UNTRUSTED_BIND_IGNORED', warning: `Restricted mode: the workspace asked for a non-loopback bind address; the mock listens on ${host} instead.` };
  }
  return { host };
}

/** Which mocks start automatically: none in a restricted workspace. */
export function mocksToAutoStart(autoStart: SettingInspect<string[]> | undefined, isTrusted: boolean): string[] {
  if (!trustPolicy(isTrusted).autoStartMocks) return [];
  const v = effectiveSetting(autoStart, isTrusted, [] as string[]);
  return Array.isArray(v) ? v.filter((s) => typeof s === 'string') : [];
}

/** Default of `websocketWorkbench.sessions.folder`. */
export const DEFAULT_SESSIONS_FOLDER = '.websocket/sessions';

/** Where transcripts go, and whether a workspace value was set aside. */
export interface SessionsFolderDecision {
  /** Absolute folder. */
  folder: string;
  /** The value came from the user (global) settings: the user chose it, it may be anywhere. */
  userChosen: boolean;
  /** Set when a workspace value pointing outside the workspace was ignored (restricted mode). */
  ignored?: string;
}

function folderValue(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** Whether `target` is `root` or below it (lexically; see `realpathInside` for symlinks). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(root, target));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The sessions folder of a workspace rooted at `root`. In a restricted workspace a workspace value is
 * honoured only when it stays inside the workspace; otherwise the user's own value or the default applies.
 */
export function decideSessionsFolder(inspect: SettingInspect<string> | undefined, root: string, isTrusted: boolean): SessionsFolderDecision {
  const abs = (f: string) => (path.isAbsolute(f) ? path.normalize(f) : path.join(root, f));
  const ws = folderValue(inspect?.workspaceFolderValue) ?? folderValue(inspect?.workspaceValue);
  let ignored: string | undefined;
  if (ws !== undefined) {
    if (isTrusted || isInside(root, abs(ws))) return { folder: abs(ws), userChosen: false };
    ignored = ws;
  }
  const user = folderValue(inspect?.globalValue);
  const decision: SessionsFolderDecision = user !== undefined ? { folder: abs(user), userChosen: true } : { folder: abs(folderValue(inspect?.defaultValue) ?? DEFAULT_SESSIONS_FOLDER), userChosen: false };
  if (ignored !== undefined) decision.ignored = ignored;
  return decision;
}

/** What a restricted workspace changed in a mock definition before starting it. */
export interface MockExposureDecision {
  definition: MockDefinition;
  /** One phrase per downgrade, e.g. `allowedOrigins ["*"] ignored`; empty when nothing changed. */
  downgrades: string[];
}

/**
 * A mock's Origin and Host checks in a restricted workspace: a collection cannot open its mock to
 * other web pages (`allowedOrigins`, loopback origins stay allowed), switch the DNS-rebinding guard off
 * (`checkHost: false`) or add Host names to it (`allowedHosts`). The bind address is decided by
 * `decideBindAddress`. Trusted workspaces get the definition unchanged.
 */
export function restrictMockExposure(def: MockDefinition, isTrusted: boolean): MockExposureDecision {
  if (isTrusted) return { definition: def, downgrades: [] };
  const next: MockDefinition = { ...def };
  const downgrades: string[] = [];
  if (def.allowedOrigins?.length) {
    delete next.allowedOrigins;
    downgrades.push(`allowedOrigins ${JSON.stringify(def.allowedOrigins)} ignored (only loopback origins may connect)`);
  }
  if (def.checkHost === false) {
    delete next.checkHost;
    downgrades.push('checkHost: false ignored (the Host header is checked)');
  }
  if (def.allowedHosts?.length) {
    delete next.allowedHosts;
    downgrades.push(`allowedHosts ${JSON.stringify(def.allowedHosts)} ignored`);
  }
  return { definition: next, downgrades };
}

/** Code of the refusal to resolve `{{secret:…}}` in a restricted workspace. */
export const UNTRUSTED_SECRET = 'WSWB_UNTRUSTED_SECRET';

/**
 * A SecretResolver that hands out stored secrets only while the workspace is trusted. In a
 * restricted workspace it reads nothing from storage, remembers which names were asked for, and
 * fails the lookup, so a collection cannot send the user's secrets to a host of its choosing.
 */
export class TrustGatedSecrets implements SecretResolver {
  readonly refused = new Set<string>();

  constructor(private readonly inner: SecretResolver, private readonly isTrusted: () => boolean) {}

  async get(name: string): Promise<string | undefined> {
    if (!this.isTrusted()) {
      this.refused.add(name);
      throw Object.assign(new Error(`secret "${name}" is not used in a restricted workspace`), { code: UNTRUSTED_SECRET });
    }
    return this.inner.get(name);
  }

  /** The message for a refused lookup (what, why, and what to do). */
  refusal(what: string): { code: typeof UNTRUSTED_SECRET; message: string } {
    const names = [...this.refused].map((n) => `{{secret:${n}}}`).join(', ');
    return { code: UNTRUSTED_SECRET, message: `${what} uses ${names}: stored secrets are not used in Restricted Mode, so a collection cannot send them to a host of its choosing. Trust this workspace to use them.` };
  }
}
