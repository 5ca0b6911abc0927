/** The VS Code workflow: collections, tree views, palette, status bar, secrets, mocks, tasks, sessions (see workflow.ts). */
export { registerWorkflow } from './workflow';
