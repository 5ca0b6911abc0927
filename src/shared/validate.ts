/**
 * Tiny structural validators for messages crossing the host↔webview boundary. Every message from
 * the webview is checked with these before the host uses it. Pure: no DOM, no vscode.
 */
import { CodedError } from '../core/errors';

export type Validator<T> = (value: unknown, path?: string) => T;

/** Thrown when a value does not have the expected shape; `path` says where. */
export class ValidationError extends CodedError {
  constructor(readonly path: string, expected: string) {
    super('WSWB_RPC_INVALID_PARAMS', `${path || 'value'}: expected ${expected}`);
  }
}

export const v = {
  string(opts: { max?: number } = {}): Validator<string> {
    return (x, p = '') => {
      if (typeof x !== 'string') throw new ValidationError(p, 'string');
      if (opts.max !== undefined && x.length > opts.max) throw new ValidationError(p, `string of at most ${opts.max} chars`);
      return x;
    };
  },
  number(opts: { min?: number; max?: number; integer?: boolean } = {}): Validator<number> {
    return (x, p = '') => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValidationError(p, 'finite number');
      if (opts.integer && !Number.isInteger(x)) throw new ValidationError(p, 'integer');
      if (opts.min !== undefined && x < opts.min) throw new ValidationError(p, `number ≥ ${opts.min}`);
      if (opts.max !== undefined && x > opts.max) throw new ValidationError(p, `number ≤ ${opts.max}`);
      return x;
    };
  },
  boolean(): Validator<boolean> {
    return (x, p = '') => {
      if (typeof x !== 'boolean') throw new ValidationError(p, 'boolean');
      return x;
    };
  },
  literal<T extends string | number | boolean>(...values: T[]): Validator<T> {
    return (x, p = '') => {
      if (!values.includes(x as T)) throw new ValidationError(p, values.map((s) => JSON.stringify(s)).join(' | '));
      return x as T;
    };
  },
  bytes(opts: { max?: number } = {}): Validator<Uint8Array> {
    return (x, p = '') => {
      let out: Uint8Array;
      if (x instanceof Uint8Array) out = x;
      else if (x instanceof ArrayBuffer) out = new Uint8Array(x);
      else throw new ValidationError(p, 'Uint8Array or ArrayBuffer');
      if (opts.max !== undefined && out.byteLength > opts.max) throw new ValidationError(p, `at most ${opts.max} bytes`);
      return out;
    };
  },
  optional<T>(inner: Validator<T>): Validator<T | undefined> {
    return (x, p = '') => (x === undefined || x === null ? undefined : inner(x, p));
  },
  array<T>(inner: Validator<T>, opts: { max?: number } = {}): Validator<T[]> {
    return (x, p = '') => {
      if (!Array.isArray(x)) throw new ValidationError(p, 'array');
      if (opts.max !== undefined && x.length > opts.max) throw new ValidationError(p, `array of at most ${opts.max} items`);
      return x.map((item, i) => inner(item, `${p}[${i}]`));
    };
  },
  tuple<A, B>(a: Validator<A>, b: Validator<B>): Validator<[A, B]> {
    return (x, p = '') => {
      if (!Array.isArray(x) || x.length !== 2) throw new ValidationError(p, 'pair');
      return [a(x[0], `${p}[0]`), b(x[1], `${p}[1]`)];
    };
  },
  object<S extends Record<string, Validator<unknown>>>(shape: S): Validator<{ [K in keyof S]: ReturnType<S[K]> }> {
    return (x, p = '') => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ValidationError(p, 'object');
      const out: Record<string, unknown> = {};
      for (const [k, check] of Object.entries(shape)) {
        const val = check((x as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
        if (val !== undefined) out[k] = val;
      }
      return out as { [K in keyof S]: ReturnType<S[K]> };
    };
  },
  record<T>(inner: Validator<T>, opts: { max?: number } = {}): Validator<Record<string, T>> {
    return (x, p = '') => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ValidationError(p, 'object');
      const entries = Object.entries(x as Record<string, unknown>);
      if (opts.max !== undefined && entries.length > opts.max) throw new ValidationError(p, `at most ${opts.max} keys`);
      const out: Record<string, T> = {};
      for (const [k, val] of entries) out[k] = inner(val, `${p}.${k}`);
      return out;
    };
  },
  unknown(): Validator<unknown> {
    return (x) => x;
  },
};
