import { shutdown } from './harness';

/** One Chromium for the whole webview run, closed at the end. */
export const mochaHooks = {
  async afterAll() {
    await shutdown();
  },
};
