/**
 * Workspace Trust policy, as plain functions of `isTrusted` so it is unit-tested without VS Code.
 * Restricted workspace: collections are readable, connections need an explicit user action, mocks
 * never auto-start, and workspace-level settings that open ports are ignored.
 */

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
