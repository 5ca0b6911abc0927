import * as vscode from 'vscode';

/**
 * The user prompts the workflow uses (quick picks, input boxes, confirmations, notifications with
 * actions), behind one seam so integration tests can answer them (the public API's `_setPrompter`
 * test hook) while every command still runs its real code path.
 */
export interface Prompter {
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
  /**
   * A quick pick whose first item follows what the user types: `typed(value)` gives an item for the
   * text in the box (e.g. "Connect to <typed URL>") or none. Resolves with the item picked and the
   * text that was in the box when it was picked.
   */
  pickTyped<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions, typed: (value: string) => T | undefined): Promise<{ picked?: T; value: string }>;
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
  pickTyped(items, options, typed) {
    return new Promise((resolve) => {
      const qp = vscode.window.createQuickPick<(typeof items)[number]>();
      Object.assign(qp, { title: options.title, placeholder: options.placeHolder, matchOnDescription: !!options.matchOnDescription, matchOnDetail: !!options.matchOnDetail });
      qp.items = items;
      let done = false;
      const finish = (picked?: (typeof items)[number]) => {
        if (done) return;
        done = true;
        const value = qp.value;
        qp.dispose();
        resolve(picked ? { picked, value } : { value });
      };
      qp.onDidChangeValue((value) => {
        const first = typed(value);
        qp.items = first ? [first, ...items] : items;
        // Keep the typed item selected as the user types: Enter connects to what they typed.
        if (first) qp.activeItems = [first];
      });
      qp.onDidAccept(() => finish(qp.selectedItems[0] ?? qp.activeItems[0]));
      qp.onDidHide(() => finish());
      qp.show();
    });
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
    // A test that answers `pick` answers the typed pick too (with nothing typed), unless it says otherwise.
    const pick = p?.pick;
    const pickTyped: Prompter['pickTyped'] | undefined = p?.pickTyped ?? (pick ? async (items, options) => ({ picked: await pick(items, options), value: '' }) : undefined);
    this.current = p ? { ...vscodePrompter, ...p, ...(pickTyped ? { pickTyped } : {}) } : vscodePrompter;
  }
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    return this.current.pick(items, options);
  }
  pickTyped<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions, typed: (value: string) => T | undefined): Promise<{ picked?: T; value: string }> {
    return this.current.pickTyped(items, options, typed);
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
