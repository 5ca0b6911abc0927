import type { Services } from '../services';

/** Registers the panel's commands and features (owned by the panel work). */
export function registerPanelFeatures(_services: Services): void {
  // Filled in by the panel feature.
}
