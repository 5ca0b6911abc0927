import type { Context, Done } from 'mocha';
import { shutdown, takePageErrors } from './harness';

type TestFn = (this: Context, done?: Done) => unknown;

/** Runs a mocha test function (callback or promise style) and settles when it does. */
function runTest(fn: TestFn, ctx: Context): Promise<unknown> {
  if (fn.length === 0) return Promise.resolve().then(() => fn.call(ctx));
  return new Promise((resolve, reject) => fn.call(ctx, (err?: unknown) => (err ? reject(err) : resolve(undefined))));
}

function pageErrorsFailure(errors: string[]): Error {
  return new Error(`uncaught error${errors.length > 1 ? 's' : ''} in the webview page during this test:\n${errors.join('\n')}`);
}

/**
 * One Chromium for the whole webview run, closed at the end; and every test fails when the webview
 * page threw an uncaught error while it ran (a broken handler must not pass because the assertions
 * looked elsewhere). Errors from hooks or between tests fail the next test; any left at the end fail
 * the run's last hook.
 */
export const mochaHooks = {
  beforeEach(this: Context) {
    const test = this.currentTest;
    if (!test?.fn) return;
    const original = test.fn as TestFn;
    const wrapped = async function (this: Context) {
      let failure: unknown;
      try {
        await runTest(original, this);
      } catch (err) {
        failure = err;
      }
      const errors = takePageErrors();
      if (failure !== undefined) {
        if (errors.length && failure instanceof Error) failure.message += `\n(${pageErrorsFailure(errors).message})`;
        throw failure;
      }
      if (errors.length) throw pageErrorsFailure(errors);
    };
    // Mocha decided callback vs promise style from the original's arity; the wrapper is promise style.
    test.fn = wrapped;
    Object.assign(test, { async: 0, sync: true });
  },
  async afterAll() {
    await shutdown();
    const errors = takePageErrors();
    if (errors.length) throw pageErrorsFailure(errors);
  },
};
