import * as vscode from 'vscode';

/**
 * The user prompts the workflow uses (quick picks, input boxes, confirmations, notifications with
 * actions), behind one seam so integration tests can answer them (the public API's `_setPrompter`
 * test hook) while every command still runs its real code path.
 */
export interface Prompter {
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
  input(options: vscode.InputBoxOptions): Promise<string | undefined>;
  /** Modal confirmation; true when the user chose `action`. */
  confirm(message: string, action: string): Promise<boolean>;
  /** A warning or error notification with actions; resolves with the action chosen, if any. `code` is the machine code (docs/error-codes.md), for logs and tests. */
  notify(severity: 'warning' | 'error', message: string, actions: string[], code?: string): Promise<string | undefined>;
}

/** The real prompts. */
export const vscodePrompter: Prompter = {
  async pick(items, options) {
    return vscode.window.showQuickPick(items, options);
  },
  async input(options) {
    return vscode.window.showInputBox(options);
  },
  async confirm(message, action) {
    return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
  },
  async notify(severity, message, actions) {
    return severity === 'error' ? vscode.window.showErrorMessage(message, ...actions) : vscode.window.showWarningMessage(message, ...actions);
  },
};

/** Holder of the current prompter (the real one unless a test swapped it). */
export class PromptHolder implements Prompter {
  private current: Prompter = vscodePrompter;
  set(p: Partial<Prompter> | undefined): void {
    this.current = p ? { ...vscodePrompter, ...p } : vscodePrompter;
  }
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    return this.current.pick(items, options);
  }
  input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    return this.current.input(options);
  }
  confirm(message: string, action: string): Promise<boolean> {
    return this.current.confirm(message, action);
  }
  notify(severity: 'warning' | 'error', message: string, actions: string[], code?: string): Promise<string | undefined> {
    return this.current.notify(severity, message, actions, code);
  }
}
