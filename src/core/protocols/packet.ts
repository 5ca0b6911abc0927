/**
 * A decoded packet whose one-line summary is computed when first read: building summaries
 * (short JSON of arguments, cut to a line) costs more than decoding, and a timeline shows only
 * the rows in view. Protocol fields are own properties; `summary` is read through the getter.
 */
import type { CodecName } from '../codecs/types';
import type { Decoded, ProtocolName } from './types';

/** A decoded packet with a lazily built summary. */
export class LazyPacket implements Decoded {
  [field: string]: unknown;
  #summary: string | undefined;
  readonly #summarize: (d: LazyPacket) => string;

  constructor(readonly protocol: ProtocolName | CodecName, public type: string, summarize: (d: LazyPacket) => string) {
    this.#summarize = summarize;
  }

  get summary(): string {
    return (this.#summary ??= this.#summarize(this));
  }

  set summary(s: string) {
    this.#summary = s;
  }

  /** Fields computed when first read (prototype getters, so not own keys): publicDecoded reads them by name. */
  lazyFields(): readonly string[] {
    return NO_FIELDS;
  }
}

const NO_FIELDS: readonly string[] = [];
