/**
 * What the workflow's command groups share, handed to each group's `register()` explicitly: the
 * collection index, secrets, running mocks, sessions, prompts, and the little state the commands
 * keep (active connection, active environment, what each connection was opened from). Plus the
 * one command wrapper every group registers through, and the argument helpers they all use.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Collection, RequestDef } from '../../core/collections/types';
import { redact, resolveVariables, type ResolvedVariables } from '../../core/collections/variables';
import type { Connection } from '../../core/engine/connection';
import { CodedError } from '../../core/errors';
import type { ConnectionManager } from '../../core/engine/connectionManager';
import type { TimelineStore } from '../../core/engine/timelineStore';
import { Disposable, toDisposable } from '../dispose';
import type { Services } from '../services';
import type { CollectionIndex } from './collectionIndex';
import type { RecentUrls } from './connect';
import type { MockRegistry } from './mockRegistry';
import type { PromptHolder } from './prompter';
import type { RemoteMocks } from './remoteMocks';
import type { SecretManager } from './secrets';
import { MANAGE_TRUST_ACTION, MANAGE_TRUST_COMMAND, TrustGatedSecrets, UNTRUSTED_SECRET } from './trust';
import type { Recorder, SessionIndex } from './sessions';

export interface WorkflowContext {
  readonly services: Services;
  readonly prompts: PromptHolder;
  readonly index: CollectionIndex;
  readonly secrets: SecretManager;
  /** The mock servers running in this window (the only holder of running mocks). */
  readonly mocks: MockRegistry;
  /** One timeline for every mock of this window (server-side view of each client). */
  readonly mockStore: TimelineStore;
  /** Running mocks' browser URLs (remote windows) and refusal notifications with Allow. */
  readonly remoteMocks: RemoteMocks;
  readonly sessions: SessionIndex;
  readonly recorder: Recorder;
  readonly recent: RecentUrls;
  readonly state: WorkflowState;
}

const ENV_KEY = 'websocketWorkbench.environment';

/** What a connection opened from a saved request carries: its secret values (to mask) and the request (redacted). */
interface OpenedFrom {
  secrets: string[];
  request: Record<string, unknown>;
}

/**
 * The workflow's own state: the active connection (the newest one, until the user picks another),
 * the active environment (per workspace), and the saved request each connection came from. Fires
 * onDidChange whenever any of it changes, for the status bar and the Connections view.
 */
export class WorkflowState extends Disposable {
  private activeId: string | undefined;
  private readonly opened = new Map<string, OpenedFrom>();
  private readonly emitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.emitter.event;

  constructor(private readonly connections: ConnectionManager, private readonly workspaceState: vscode.Memento) {
    super();
    this._register(toDisposable(connections.onDidChange((ch) => {
      if (ch.type === 'added') this.activeId = ch.connection.id;
      if (ch.type === 'removed') {
        this.opened.delete(ch.connection.id);
        if (this.activeId === ch.connection.id) this.activeId = connections.list().filter((c) => c.state === 'open').pop()?.id;
      }
      this.emitter.fire();
    })));
  }

  activeConnectionId(): string | undefined {
    return this.activeId;
  }

  activeConnection(): Connection | undefined {
    return this.activeId ? this.connections.get(this.activeId) : undefined;
  }

  setActive(id: string): void {
    this.activeId = id;
    this.emitter.fire();
  }

  /** The connection a command argument names (`{ connectionId }` or a Connections view node), else the active one. */
  connectionFrom(arg: unknown): Connection | undefined {
    if (isObj(arg) && typeof arg.connectionId === 'string') return this.connections.get(arg.connectionId);
    if (isObj(arg) && arg.type === 'connection' && typeof arg.id === 'string') return this.connections.get(arg.id);
    return this.activeConnection();
  }

  environment(): string | undefined {
    return str(this.workspaceState.get(ENV_KEY));
  }

  async setEnvironment(name: string | undefined): Promise<void> {
    await this.workspaceState.update(ENV_KEY, name);
    this.emitter.fire();
  }

  rememberOpenedFrom(connectionId: string, from: OpenedFrom): void {
    this.opened.set(connectionId, from);
  }

  /** Secret values of the saved request a connection was opened from (none for a typed URL). */
  secretsOf(connectionId: string): string[] {
    return this.opened.get(connectionId)?.secrets ?? [];
  }

  /** The saved request (redacted) a connection was opened from. */
  requestOf(connectionId: string): Record<string, unknown> | undefined {
    return this.opened.get(connectionId)?.request;
  }
}

/**
 * Registers `websocketWorkbench.<id>`. A failure is logged with its code and shown to the user,
 * secret values masked, and the command returns undefined: no command throws into VS Code.
 */
export function registerCommand(ctx: WorkflowContext, id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(`websocketWorkbench.${id}`, async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (err) {
      const e = err as Error & { code?: string };
      const message = redact(e.message ?? String(err), ctx.secrets.knownValues());
      ctx.services.log.error(`${id}: ${e.code ?? 'ERROR'} ${message}`);
      // Refusals of Restricted Mode offer the way out.
      const actions = e.code?.startsWith('WSWB_UNTRUSTED_') ? [MANAGE_TRUST_ACTION] : [];
      offerManageTrust(ctx.prompts.notify('error', message, actions, e.code));
      return undefined;
    }
  });
}

/** Variables for the panel's `{{name}}`: the active environment, then collection variables, then secrets (`secret:name`). */
export async function panelVariables(ctx: WorkflowContext, file?: string): Promise<Record<string, string>> {
  const env = ctx.state.environment();
  // No prototype: `{{constructor}}` is a variable name, not Object.prototype's member.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  // A panel of a saved request sees its own collection's variables only (another file's `{{who}}`
  // must not win); a panel with no collection sees every collection's.
  const own = file !== undefined ? ctx.index.list().filter((c) => path.resolve(c.file) === path.resolve(file)) : [];
  const collections = own.length ? own : ctx.index.list();
  // Lowest precedence first: environment, then collection variables (request → collection → environment).
  for (const c of collections) {
    const envs = c.collection?.environments;
    if (env && envs && Object.hasOwn(envs, env)) Object.assign(out, envs[env]);
  }
  for (const c of collections) Object.assign(out, c.collection?.variables ?? {});
  // Restricted Mode: the panel gets no stored secrets either; `{{secret:…}}` stays unresolved there.
  if (!vscode.workspace.isTrusted) return out;
  for (const name of ctx.secrets.names()) {
    const v = await ctx.secrets.get(name);
    if (v !== undefined) out[`secret:${name}`] = v;
  }
  return out;
}

/**
 * Resolves what `request` references, with the active environment when `collection` defines it and
 * the stored secrets only while the workspace is trusted: a secret refused in Restricted Mode throws
 * WSWB_UNTRUSTED_SECRET, naming `what`. Other problems are in the result (`ok` false).
 */
export async function resolveReferences(ctx: WorkflowContext, collection: Collection, request: RequestDef, what: string): Promise<ResolvedVariables> {
  const env = ctx.state.environment();
  const gate = new TrustGatedSecrets(ctx.secrets, () => vscode.workspace.isTrusted);
  const hasEnv = env !== undefined && collection.environments !== undefined && Object.hasOwn(collection.environments, env);
  const resolved = await resolveVariables(collection, request, { ...(hasEnv ? { environment: env } : {}), secrets: gate });
  if (gate.refused.size) throw new CodedError(UNTRUSTED_SECRET, gate.refusal(what).message);
  return resolved;
}

/** Runs "Manage Workspace Trust" when the notification's answer is that action. */
export function offerManageTrust(answer: Promise<string | undefined>): void {
  void answer.then((a) => {
    if (a === MANAGE_TRUST_ACTION) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
  });
}

// ------------------------------------------------------------- argument helpers

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `base`, or `base 2`, `base 3`… whichever is not taken. */
export function uniqueName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base} ${i}`)) return `${base} ${i}`;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
