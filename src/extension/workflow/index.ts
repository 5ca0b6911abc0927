import type { Services } from '../services';

/** Registers the VS Code workflow: collections, tree views, palette, status bar, secrets, mocks, tasks (owned by the workflow work). */
export function registerWorkflow(_services: Services): Record<string, unknown> {
  // Filled in by the workflow feature; what it returns is merged into the public API.
  return {};
}
