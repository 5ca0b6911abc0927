/**
 * Secret commands: Set Secret… and Delete Secret. Values go through a password input box into VS
 * Code's SecretStorage and nowhere else; collections refer to them as `{{secret:name}}`.
 */
import type * as vscode from 'vscode';
import { CodedError } from '../../core/errors';
import { referencesIn } from '../../core/collections/variables';
import { isObj, registerCommand, str, type WorkflowContext } from './context';
import { SECRET_NAME } from './secrets';

export function register(ctx: WorkflowContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'setSecret', (arg) => setSecret(ctx, arg)),
    registerCommand(ctx, 'deleteSecret', (arg) => deleteSecret(ctx, arg)),
  ];
}

/** Set Secret…: offers the names the collections reference and the ones already set. Returns the name. */
export async function setSecret(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  let name = isObj(arg) ? str(arg.name) : str(arg);
  if (!name) {
    await ctx.index.settled();
    const referenced = new Set<string>();
    for (const c of ctx.index.list()) for (const k of referencesIn(c.text ?? '')) if (k.startsWith('secret:')) referenced.add(k.slice('secret:'.length));
    for (const n of ctx.secrets.names()) referenced.add(n);
    const items: Array<vscode.QuickPickItem & { value?: string }> = [...referenced].sort().map((n) => ({ label: `$(key) ${n}`, description: ctx.secrets.names().includes(n) ? 'set' : 'not set', value: n }));
    items.push({ label: '$(add) New secret name…' });
    const picked = items.length > 1 ? await ctx.prompts.pick(items, { title: 'WebSocket: Set Secret', placeHolder: 'Secrets are referenced in collections as {{secret:name}}' }) : items[0];
    if (!picked) return undefined;
    name = picked.value ?? (await ctx.prompts.input({ title: 'WebSocket: Set Secret', prompt: 'Secret name (use it as {{secret:name}})', validateInput: (v) => (SECRET_NAME.test(v) ? undefined : 'Letters, digits, _ . - (not starting with a digit)') }));
    if (!name) return undefined;
  }
  if (!SECRET_NAME.test(name)) throw new CodedError('WSWB_BAD_SECRET_NAME', `Invalid secret name "${name}"`);
  const value = await ctx.prompts.input({ title: `Secret "${name}"`, prompt: 'Stored in VS Code\'s secret storage, never in a file', password: true, ignoreFocusOut: true });
  if (value === undefined) return undefined;
  await ctx.secrets.set(name, value);
  ctx.services.log.info(`secret "${name}" set`);
  return name;
}

async function deleteSecret(ctx: WorkflowContext, arg?: unknown): Promise<boolean> {
  let name = isObj(arg) ? str(arg.name) : str(arg);
  if (!name) {
    const picked = await ctx.prompts.pick(ctx.secrets.names().map((n) => ({ label: n })), { title: 'WebSocket: Delete Secret' });
    name = picked?.label;
  }
  if (!name) return false;
  await ctx.secrets.delete(name);
  return true;
}
