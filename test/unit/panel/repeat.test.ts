import assert from 'node:assert/strict';
import { RepeatScheduler } from '../../../src/extension/panel/repeat';

/** A scheduler on fake timers: `fire()` runs what is due, in order. */
function scheduler() {
  const timers: Array<{ fn: () => void; cleared: boolean }> = [];
  const r = new RepeatScheduler({
    changed: () => undefined,
    setTimeout: (fn) => {
      const t = { fn, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (h) => {
      (h as { cleared: boolean }).cleared = true;
    },
  });
  const fire = () => {
    for (const t of timers.splice(0)) if (!t.cleared) t.fn();
  };
  return { r, fire };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('panel repeat-send job', () => {
  it('sends N times at once, or every T ms up to N, and stops', async () => {
    const { r, fire } = scheduler();
    let n = 0;
    assert.deepEqual(await r.start(async () => n++, 3, undefined), { active: false, sent: 3, count: 3 });
    n = 0;
    await r.start(async () => n++, 2, 10);
    await settle();
    fire();
    await settle();
    assert.equal(n, 2);
    assert.deepEqual(r.status, { active: false, sent: 2, everyMs: 10, count: 2 });
  });

  it('a job replaced while its send is in flight does not stop the new one', async () => {
    const { r } = scheduler();
    let finishOld: () => void = () => undefined;
    await r.start(() => new Promise<void>((res) => (finishOld = res)), 1, 10);
    await r.start(async () => undefined, undefined, 10);
    finishOld(); // the old job reaches its count now
    await settle();
    assert.equal(r.status?.active, true, 'the new job keeps running');
  });

  it('a send that fails stops its own job only', async () => {
    const { r } = scheduler();
    let failOld: (e: Error) => void = () => undefined;
    await r.start(() => new Promise<void>((_res, rej) => (failOld = rej)), undefined, 10);
    await r.start(async () => undefined, undefined, 10);
    failOld(new Error('closed'));
    await settle();
    assert.equal(r.status?.active, true);
  });
});
