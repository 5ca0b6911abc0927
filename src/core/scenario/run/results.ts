/**
 * What a scenario run takes and gives back: its options, each step's and the test's outcome, and the
 * failure a step throws (a machine code, a message, what was expected and seen).
 */
import type { TimelineEvent } from '../../engine/events';
import type { MockDefinition } from '../../engine/mock/definition';
import type { Collection, VariableMap } from '../../collections/types';
import type { SecretResolver } from '../../collections/variables';
import type { StepAction } from '../../collections/scenario';
import type { SessionOutput } from '../../protocols/connectionSession';
import type { DocPath, PlannedTest } from '../plan';

/** How a test runs: where names resolve, where secrets come from, who hears about progress. */
export interface RunOptions {
  collection: Collection;
  /** Folder of the collection file (relative TLS files). */
  baseDir?: string;
  secrets?: SecretResolver;
  /** Environment for every connection (beats the scenario's `env`; a connect step's `env` beats it). */
  environment?: string;
  /** Environment used when neither the step, `environment` nor the scenario names one (the editor's active environment). */
  defaultEnvironment?: string;
  /**
   * What a `startMock` step starts, given the file's definition: the editor narrows a mock's exposure
   * in a restricted workspace here (loopback only, Origin and Host checks on). `notes` are reported.
   */
  prepareMock?(def: MockDefinition): { definition: MockDefinition; notes: string[] };
  /** Variables set from outside (`--var`). */
  overrides?: VariableMap;
  /** Process environment for proxies (HTTPS_PROXY…). */
  processEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Every event of every connection and mock, masked; `source` is a connection alias or `mock:<name>`. */
  onEvent?(e: TimelineEvent, source: string): void;
  /** A connection's protocol layer: a message's decoded packet, a completed pair, an unanswered request (masked). */
  onProtocol?(o: SessionOutput, source: string): void;
  /** How long a protocol request waits for its reply before it is reported unanswered (ms, default 10000). */
  replyTimeoutMs?: number;
  /** Each step's outcome as it completes (a group reports once, for itself). */
  onStep?(r: StepResult): void;
  now?: () => number;
}

/** The outcome of one step. */
export interface StepResult {
  /** JSON path of the step (for a failing group: of the failing expectation) in the file. */
  path: DocPath;
  action: StepAction;
  /** One line: `expect on bob: $.type == "joined"`. */
  label: string;
  on?: string;
  ok: boolean;
  elapsedMs: number;
  /** Why it failed. */
  message?: string;
  /** What was expected and what was seen, for a failed expectation. */
  expected?: string;
  actual?: string;
  /** Machine code of the failure, e.g. WSWB_EXPECT_TIMEOUT. */
  code?: string;
}

/** The outcome of one test. */
export interface TestResult {
  id: string;
  name: string;
  kind: PlannedTest['kind'];
  ok: boolean;
  /** ms since the epoch. */
  startedAt: number;
  durationMs: number;
  steps: StepResult[];
  /** The first failed step. */
  failure?: StepResult;
  /** Steps not run after the failure. */
  skipped: number;
}

/** Why a step failed; the runner turns it into the step's StepResult. */
export class StepFailure extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly extra: { expected?: string; actual?: string; path?: DocPath } = {},
  ) {
    super(message);
  }
}
