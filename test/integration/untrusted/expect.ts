/**
 * Shared by the Restricted Mode suite (inside the extension host) and its runner (outside, reading
 * the workbench's DOM): the mock whose downgrade notice must appear as a notification toast.
 */
export const DOWNGRADED_MOCK = 'ut-wide-open';

/** The notification text the runner looks for. */
export const DOWNGRADE_NOTICE = new RegExp(`Restricted Mode: mock "${DOWNGRADED_MOCK}".*allowedOrigins`);
