import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../../src/extension/api';
import { hostLog } from '../log';
import { CONTRACT_VERSION } from '../../../src/shared/contract';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';

async function api(): Promise<WorkbenchApi> {
  const ext = vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
  return ext.activate();
}

describe('foundation (inside the real VS Code extension host)', () => {
  it('runs in the VS Code the runner started (1.139 in code-server 4.139) and activates the extension', async () => {
    hostLog(`      vscode.version inside the extension host: ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost})`);
    // The runner says which VS Code it started (test/host/runIntegration.ts, test/runDesktop.ts).
    const expected = process.env.WSWB_VSCODE_VERSION ?? '1.139';
    assert.ok(vscode.version === expected || vscode.version.startsWith(`${expected}.`), `VS Code ${vscode.version} is ${expected}`);
    const a = await api();
    assert.equal(a.version, vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.version);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, true);
  });

  it('contributes its commands under the WebSocket category', async () => {
    const all = await vscode.commands.getCommands(true);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const contributed: Array<{ command: string; category: string }> = pkg.contributes.commands;
    assert.ok(contributed.length > 0);
    for (const c of contributed) {
      assert.equal(c.category, 'WebSocket', `${c.command} has the WebSocket category`);
      assert.ok(all.includes(c.command), `${c.command} is registered`);
    }
  });

  it('opens the workbench panel by command and completes the ready handshake with the real webview', async () => {
    const a = await api();
    const before = a.panels().length;
    await vscode.commands.executeCommand('websocketWorkbench.openWorkbench');
    assert.equal(a.panels().length, before + 1);
    const { ready } = await a.openWorkbench();
    const snapshot = await withTimeout(ready, 30_000, 'ready handshake');
    assert.equal(snapshot.host.vscodeVersion, vscode.version);
    assert.equal(snapshot.contractVersion, CONTRACT_VERSION);
    assert.ok(a.panels().some((p) => p.readyCount >= 1));
  });
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))]);
}

/**
 * DESIGN.md budgets activation at < 30 ms. This suite loads the development bundle (unminified,
 * ~550 KB with source maps), whose load time says little about the shipped one: `npm run bench`
 * measures load + activate of the production bundle from `require`. What both builds share is
 * activate() itself, and that is held to the whole budget here, in CPU time: activate() is
 * synchronous, so the host process's CPU time over it is its work, where wall time also counts the
 * time a loaded machine did not schedule the host (41 ms wall was seen once on a busy machine, with
 * 9–11 ms the rule).
 */
const ACTIVATION_BUDGET_MS = 30;

describe('activation cost (measured inside the real extension host)', () => {
  it('reports bundle load and activate() times, and writes them for `npm run bench`', async () => {
    const a = await api();
    const { loadMs, activateMs, activateCpuMs, totalMs } = a.activation;
    hostLog(`      activation: ${totalMs.toFixed(1)} ms (bundle load ${loadMs.toFixed(1)} ms, activate() ${activateMs.toFixed(1)} ms, ${activateCpuMs.toFixed(1)} ms CPU)`);
    // Both parts measured: the bundle's banner started the clock (loadMs is 0 without it), and
    // activate() itself took time. totalMs is their sum by construction, so it proves nothing alone.
    assert.ok(loadMs > 0 && Number.isFinite(loadMs), `bundle load ${loadMs} ms`);
    assert.ok(activateMs > 0 && Number.isFinite(activateMs), `activate() ${activateMs} ms`);
    assert.ok(activateCpuMs > 0 && Number.isFinite(activateCpuMs), `activate() CPU ${activateCpuMs} ms`);
    assert.ok(activateCpuMs < ACTIVATION_BUDGET_MS, `activate() took ${activateCpuMs.toFixed(1)} ms of CPU (${activateMs.toFixed(1)} ms wall) < ${ACTIVATION_BUDGET_MS} ms`);
    const out = process.env.WSWB_BENCH_OUT;
    if (out) require('node:fs').writeFileSync(out, JSON.stringify(a.activation));
  });
});

describe('Get Started walkthrough', () => {
  it('has four steps whose links and completion events name registered commands, and whose media ship', async () => {
    await api();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const walkthroughs: Array<{ steps: Array<{ id: string; description: string; media: { markdown?: string }; completionEvents?: string[] }> }> = ext.packageJSON.contributes.walkthroughs;
    assert.equal(walkthroughs.length, 1);
    const steps = walkthroughs[0]!.steps;
    assert.equal(steps.length, 4);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]!);
      const events = (step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      assert.ok(linked.length > 0, `step ${step.id} links a command`);
      for (const c of [...linked, ...events]) assert.ok(registered.has(c), `step ${step.id}: ${c} is a registered command`);
      if (step.media.markdown) {
        const md = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, step.media.markdown));
        assert.ok(md.byteLength > 20, `${step.media.markdown} ships with content`);
      }
    }
  });
});
