/**
 * UTF-8 validation (RFC 3629 §4, as required for text messages and close reasons by RFC 6455
 * §5.6 and §8.1), one-shot and streaming. The streaming validator fails as soon as the bytes seen
 * so far cannot start valid UTF-8, so a text message split into fragments is rejected at the first
 * bad fragment (Autobahn 6.4). Pure: no Node imports.
 */

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
