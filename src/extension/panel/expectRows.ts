/**
 * `expect` rules of a saved message, checked in the panel: after the message is sent, each rule
 * waits for a matching reply (within its timeout) and its result becomes a timeline row, an `info`
 * event with `data.expect` = `pass` or `fail` and the rule in words. No `vscode` import.
 */
import { compileExpect, type CompiledExpect } from '../../core/collections/expect';
import type { ExpectRule } from '../../core/collections/types';
import type { Connection } from '../../core/engine/connection';
import type { TimelineEvent } from '../../core/engine/events';

/** Watches replies on `c` for each rule; appends one result row per rule to the connection's store. */
export function checkExpectations(c: Connection, messageName: string, rules: readonly ExpectRule[]): void {
  const store = c.store;
  const row = (result: 'pass' | 'fail', label: string, message: string, extra: Record<string, unknown> = {}) => {
    try {
      store.append({ kind: 'info', time: Date.now(), connection: c.id, message, data: { expect: result, rule: label, message: messageName, ...extra } });
    } catch {
      // The panel (and its store) went away meanwhile: nobody is left to see the result.
    }
  };
  for (const rule of rules) {
    let x: CompiledExpect;
    try {
      x = compileExpect(rule);
    } catch (err) {
      row('fail', rule.description ?? 'expect', `expect FAILED: "${messageName}": ${(err as Error).message}`);
      continue;
    }
    const started = Date.now();
    let done = false;
    const finish = () => {
      done = true;
      off();
      clearTimeout(timer);
    };
    const off = store.onEvent((e: TimelineEvent) => {
      if (done || e.kind !== 'message' || e.dir !== 'in' || e.connection !== c.id) return;
      const test = (data: Uint8Array) => x.test({ binary: e.binary, data });
      const check = (ok: boolean) => {
        if (!ok || done) return;
        finish();
        const ms = Date.now() - started;
        // After the reply's own listeners: the result row follows the reply.
        queueMicrotask(() => row('pass', x.label, `expect passed: ${x.label} (reply #${e.id} after ${ms} ms)`, { reply: e.id }));
      };
      if (e.spilled) void store.readPayload(e.id).then((d) => check(test(d)), () => undefined);
      else check(test(e.data));
    });
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      row('fail', x.label, `expect FAILED: ${x.label}: no matching reply within ${x.timeoutMs} ms`);
    }, x.timeoutMs);
  }
}
