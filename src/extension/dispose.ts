import * as vscode from 'vscode';

/** Base for anything that owns disposables: `_register` them and they go with it. */
export abstract class Disposable implements vscode.Disposable {
  private readonly _disposables: vscode.Disposable[] = [];
  protected _isDisposed = false;

  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this._isDisposed) d.dispose();
    else this._disposables.push(d);
    return d;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    for (const d of this._disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // One failing dispose must not keep the rest alive.
      }
    }
  }
}

/** Wraps a plain unsubscribe function as a vscode.Disposable. */
export function toDisposable(fn: () => void): vscode.Disposable {
  return new vscode.Disposable(fn);
}

/** A bag of disposables for code that is not a class: `add` them, dispose them all at once (newest first). */
export class DisposableStore extends Disposable {
  add<T extends vscode.Disposable>(d: T): T {
    return this._register(d);
  }
}
