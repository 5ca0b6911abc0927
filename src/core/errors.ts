/**
 * One error shape for the whole project. Every error the core, the extension host, the webview
 * contract and the CLI raise on purpose is a CodedError (or a subclass): `code` is the machine
 * code listed in docs/error-codes.md, `message` says what happened in words a user can act on.
 * Subclasses add what their area needs (a close status, a diagnostic position) and nothing else.
 */

/** Marks CodedErrors, so `instanceof CodedError` holds across copies of this module (lazy chunks, src/core/lazy.ts). */
const CODED = Symbol.for('websocket-workbench.CodedError');

/** An error with a machine-readable code. */
export class CodedError extends Error {
  /**
   * `x instanceof CodedError` checks the mark, not the prototype: a lazily loaded chunk carries its
   * own copy of this class, and its errors are CodedErrors too. Subclasses keep the usual check.
   */
  static override [Symbol.hasInstance](v: unknown): boolean {
    if (this !== CodedError) return Function.prototype[Symbol.hasInstance].call(this, v);
    return typeof v === 'object' && v !== null && (v as { [CODED]?: boolean })[CODED] === true;
  }

  /** Machine code, e.g. 'WS_ERR_INVALID_OPCODE' or 'WSWB_FILE_READ'. */
  readonly code: string;
  /** Optional structured context (positions, the offending value's kind…); never secret values. */
  readonly details?: unknown;

  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, CODED, { value: true });
    if (options.details !== undefined) this.details = options.details;
  }
}

/** True for anything carrying a string `code` and a `message` (ours, Node's and ws's errors). */
export function isCoded(e: unknown): e is Error & { code: string } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** The code of an error, or `fallback` when it has none. */
export function codeOf(e: unknown, fallback = 'WSWB_INTERNAL'): string {
  return isCoded(e) ? e.code : fallback;
}

/**
 * The close status an error implies: ws keeps it on its protocol errors under a symbol described
 * 'status-code' (1002, 1007, 1009…); ours carry it as `closeCode`. Undefined when there is none.
 */
export function closeStatusOf(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  for (const s of Object.getOwnPropertySymbols(err)) {
    if (s.description === 'status-code') {
      const v = (err as unknown as Record<symbol, unknown>)[s];
      if (typeof v === 'number') return v;
    }
  }
  const c = (err as { closeCode?: unknown }).closeCode;
  return typeof c === 'number' ? c : undefined;
}
