import * as vscode from 'vscode';
import type { SecretResolver } from '../../core/collections/variables';
import { VARIABLE_NAME } from '../../core/collections/template';
import { CodedError } from '../../core/errors';

const NAMES_KEY = 'websocketWorkbench.secretNames';
const PREFIX = 'websocketWorkbench.secret.';

/** Secret names: the names `{{secret:name}}` accepts (letters, digits, `_ . -`, not starting with a digit). */
export const SECRET_NAME = VARIABLE_NAME;

/**
 * `{{secret:name}}` values, kept only in VS Code's SecretStorage (the OS keychain on desktop). The
 * names (never the values) are listed in globalState so the UI can offer them. Values read in this
 * session are remembered in memory for redaction of logs and exports.
 */
export class SecretManager implements SecretResolver {
  private readonly seen = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly storage: vscode.SecretStorage, private readonly state: vscode.Memento) {}

  async get(name: string): Promise<string | undefined> {
    const v = await this.storage.get(PREFIX + name);
    if (v) this.seen.add(v);
    return v;
  }

  async set(name: string, value: string): Promise<void> {
    if (!SECRET_NAME.test(name)) throw new CodedError('WSWB_BAD_SECRET_NAME', `invalid secret name "${name}"`);
    await this.storage.store(PREFIX + name, value);
    if (value) this.seen.add(value);
    const names = new Set(this.names());
    names.add(name);
    await this.state.update(NAMES_KEY, [...names].sort());
    this.changed.fire();
  }

  async delete(name: string): Promise<void> {
    await this.storage.delete(PREFIX + name);
    await this.state.update(NAMES_KEY, this.names().filter((n) => n !== name));
    this.changed.fire();
  }

  names(): string[] {
    const v = this.state.get<unknown>(NAMES_KEY);
    return Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : [];
  }

  /** Values read or written in this session, to mask in logs and exports. */
  knownValues(): string[] {
    return [...this.seen];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
