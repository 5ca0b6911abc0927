/**
 * The VS Code workflow, put together: builds the shared context (collection index, secrets, running
 * mocks, sessions, prompts, state) and registers each command group from its own module:
 *
 *   connectionCommands  Connect…, Send Message…, Disconnect, connection actions, ws:// CodeLens
 *   collectionCommands  New Collection, Select Environment, Copy as websocat/wscat, tree item editing
 *   secretCommands      Set Secret…, Delete Secret
 *   mockCommands        Start/Stop Mock Server, mock actions, the mock task provider, auto-start
 *   sessionCommands     record, open, replay, session → mock, HAR import/export
 *   ui                  the four tree views, the status bar, context keys
 *   testHooks           what only the test suites reach through the API
 */
import * as vscode from 'vscode';
import type { TimelineStore } from '../../core/engine/timelineStore';
import { loadEngine } from '../../core/lazy';
import { DisposableStore } from '../dispose';
import type { Services } from '../services';
import { workflowApi, type WorkflowApi } from './api';
import * as collectionCommands from './collectionCommands';
import { CollectionIndex } from './collectionIndex';
import { settings } from './config';
import { RecentUrls } from './connect';
import * as connectionCommands from './connectionCommands';
import { WorkflowState, type WorkflowContext } from './context';
import * as mockCommands from './mockCommands';
import { MockRegistry } from './mockRegistry';
import { PromptHolder } from './prompter';
import { RemoteMocks } from './remoteMocks';
import * as secretCommands from './secretCommands';
import { SecretManager } from './secrets';
import * as sessionCommands from './sessionCommands';
import { Recorder, SessionIndex } from './sessions';
import * as ui from './ui';
import { ProtoDiagnostics } from './protoDiagnostics';

/** Registers the workflow; what it creates is disposed with the extension (newest first). Returns its API. */
export function registerWorkflow(services: Services): WorkflowApi {
  const { context, log } = services;
  const subscriptions = new DisposableStore();
  context.subscriptions.push(subscriptions);
  const index = subscriptions.add(new CollectionIndex(log));
  // .proto problems of the collections' codecs rules in the Problems panel.
  subscriptions.add(new ProtoDiagnostics(index, log));
  const secrets = subscriptions.add(new SecretManager(context.secrets, context.globalState));
  const prompts = new PromptHolder();
  const mocks = new MockRegistry();
  // The mock timeline outlives the mocks: a stopping mock still records its last events. It is made
  // with the first mock (the engine is a lazy chunk, src/core/lazy.ts).
  let mockStore: TimelineStore | undefined;
  subscriptions.add(new vscode.Disposable(() => void mocks.stopAll().finally(() => mockStore?.dispose())));
  const remoteMocks = subscriptions.add(new RemoteMocks({ registry: mocks, log, notify: (message, actions, code) => prompts.notify('warning', message, actions, code), reload: (f) => index.load(vscode.Uri.file(f)) }));
  const sessions = subscriptions.add(new SessionIndex());
  const ctx: WorkflowContext = {
    services,
    prompts,
    index,
    secrets,
    mocks,
    get mockStore() {
      return (mockStore ??= new (loadEngine().TimelineStore)({ memoryBudgetBytes: Math.min(settings.memoryBudgetBytes(), 32 * 1024 * 1024) }));
    },
    remoteMocks,
    sessions,
    recorder: subscriptions.add(new Recorder(log, context.workspaceState, sessions, String(context.extension.packageJSON.version ?? '0'))),
    recent: new RecentUrls(context.globalState),
    state: subscriptions.add(new WorkflowState(services.connections, context.workspaceState)),
  };
  const views = subscriptions.add(ui.register(ctx));
  for (const group of [connectionCommands, collectionCommands, secretCommands, mockCommands, sessionCommands]) {
    for (const d of group.register(ctx)) subscriptions.add(d);
  }
  return workflowApi(ctx, views);
}
