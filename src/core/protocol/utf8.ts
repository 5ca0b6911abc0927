/**
 * UTF-8 validation (RFC 3629 §4, as required for text messages and close reasons by RFC 6455
 * §5.6 and §8.1), one-shot and streaming. The streaming validator fails as soon as the bytes seen
 * so far cannot start valid UTF-8, so a text message split into fragments is rejected at the first
 * bad fragment (Autobahn 6.4). Pure: no Node imports.
 */

/**
 * Node's native validator (`buffer.isUtf8`), found at run time without an import so this file
 * still bundles for the browser; undefined there and on Node versions without getBuiltinModule.
 */
const nativeIsUtf8: ((b: Uint8Array) => boolean) | undefined = (() => {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:buffer') as { isUtf8?: (b: Uint8Array) => boolean } | undefined;
    return typeof mod?.isUtf8 === 'function' ? mod.isUtf8 : undefined;
  } catch {
    return undefined;
  }
})();

/** Below this many bytes the JS state machine is as fast as a native call. */
const NATIVE_MIN = 256;

/** Length of the sequence a lead byte starts (1 for ASCII), 0 for a byte that cannot lead. */
function seqLen(c: number): number {
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return 2;
  if (c >= 0xe0 && c <= 0xef) return 3;
  if (c >= 0xf0 && c <= 0xf4) return 4;
  return 0;
}

/** Streaming UTF-8 validator: feed fragments in order; `false` as soon as the input cannot be valid. */
export class Utf8Validator {
  /** Continuation bytes still expected for the current code point. */
  private need = 0;
  /** Allowed range of the next continuation byte (narrowed after E0, ED, F0, F4 — RFC 3629 §4). */
  private lo = 0x80;
  private hi = 0xbf;
  private bad = false;

  /** Validates the next bytes; `final` means no more bytes follow (an open sequence is then invalid). */
  push(b: Uint8Array, final: boolean): boolean {
    if (this.bad) return false;
    if (nativeIsUtf8 !== undefined && b.length >= NATIVE_MIN) return this.pushNative(b, final, nativeIsUtf8);
    return this.pushJs(b, final);
  }

  /**
   * Large input on Node: finish an open sequence in JS, validate the complete middle natively and
   * keep an incomplete trailing sequence (at most 3 bytes) in the JS state for the next fragment.
   */
  private pushNative(b: Uint8Array, final: boolean, native: (b: Uint8Array) => boolean): boolean {
    let start = 0;
    if (this.need !== 0) {
      start = this.need;
      if (!this.pushJs(b.subarray(0, start), false)) return false;
    }
    let cut = b.length;
    if (!final) {
      // Find the last lead byte among the final 4; if its sequence runs past the end, cut there.
      for (let i = b.length - 1; i >= Math.max(start, b.length - 4); i--) {
        const c = b[i]!;
        if ((c & 0xc0) === 0x80) continue;
        const len = seqLen(c);
        if (len > 1 && i + len > b.length) cut = i;
        break;
      }
    }
    if (!native(b.subarray(start, cut))) {
      this.bad = true;
      return false;
    }
    return this.pushJs(b.subarray(cut), final);
  }

  private pushJs(b: Uint8Array, final: boolean): boolean {
    let need = this.need;
    let lo = this.lo;
    let hi = this.hi;
    const n = b.length;
    let i = 0;
    while (i < n) {
      const c = b[i++]!;
      if (need === 0) {
        if (c < 0x80) {
          // ASCII run: the common case, kept tight.
          while (i < n && b[i]! < 0x80) i++;
          continue;
        }
        if (c >= 0xc2 && c <= 0xdf) need = 1;
        else if (c >= 0xe0 && c <= 0xef) {
          need = 2;
          if (c === 0xe0) lo = 0xa0; // overlong 3-byte forms
          else if (c === 0xed) hi = 0x9f; // UTF-16 surrogates U+D800..U+DFFF
        } else if (c >= 0xf0 && c <= 0xf4) {
          need = 3;
          if (c === 0xf0) lo = 0x90; // overlong 4-byte forms
          else if (c === 0xf4) hi = 0x8f; // beyond U+10FFFF
        } else {
          this.bad = true;
          return false;
        }
      } else {
        if (c < lo || c > hi) {
          this.bad = true;
          return false;
        }
        lo = 0x80;
        hi = 0xbf;
        need--;
      }
    }
    if (final && need !== 0) {
      this.bad = true;
      return false;
    }
    if (final) {
      this.need = 0;
      this.lo = 0x80;
      this.hi = 0xbf;
    } else {
      this.need = need;
      this.lo = lo;
      this.hi = hi;
    }
    return true;
  }

  /** Forgets all state, ready for a new message. */
  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
    this.bad = false;
  }
}

const shared = new Utf8Validator();

/** Whether `b` is complete, valid UTF-8 (RFC 3629). */
export function isValidUtf8(b: Uint8Array): boolean {
  shared.reset();
  return shared.push(b, true);
}
