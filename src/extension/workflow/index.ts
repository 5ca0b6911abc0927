import type { Services } from '../services';
import type { WorkflowApi } from './api';
import { Workflow } from './workflow';

/** Registers the VS Code workflow: collections, tree views, palette, status bar, secrets, mocks, tasks (owned by the workflow work). */
export function registerWorkflow(services: Services): WorkflowApi {
  const workflow = new Workflow(services);
  services.context.subscriptions.push(workflow);
  return workflow.api();
}
