/**
 * What `websocket-workbench run` reports on, shared by the reporters (ndjson, junit, tap): files,
 * their tests and each test's steps, with positions in the file. Results are already masked.
 */
import type { TestResult, StepResult } from '../../core/scenario/runner';
import type { TextLocation } from '../../core/scenario/locate';
import type { SessionOutput } from '../../core/protocols/connectionSession';

/** A step result with its position in the file. */
export interface LocatedStep extends StepResult {
  file: string;
  line: number;
  column: number;
}

/** A finished test with its file and positions. */
export interface ReportedTest extends Omit<TestResult, 'steps' | 'failure'> {
  file: string;
  /** Where the test (scenario or request) starts. */
  location: TextLocation;
  steps: LocatedStep[];
  failure?: LocatedStep;
}

/** One collection file of the run. */
export interface ReportedFile {
  /** As given or found (relative to the working directory when inside it). */
  file: string;
  /** The collection's name. */
  name: string;
  tests: ReportedTest[];
}

/** Totals of a run. */
export interface RunTotals {
  tests: number;
  passed: number;
  failed: number;
  durationMs: number;
  startedAt: number;
}

/** A reporter: streamed calls, then `end` returns the text still to write (JUnit writes it all there). */
export interface Reporter {
  start(files: Array<{ file: string; name: string; tests: Array<{ name: string; kind: string }> }>): string;
  step(test: { file: string; name: string }, step: LocatedStep): string;
  testEnd(test: ReportedTest): string;
  /**
   * What the protocol layer of a test's connection (`connection`: its alias) reports, as it comes:
   * a decoded message (an `event` output with `decoded`, already plain JSON), a pair, an unanswered
   * request. Reporters without a place for them (JUnit, TAP) leave it out.
   */
  protocol?(test: { file: string; name: string }, connection: string, o: SessionOutput): string;
  end(files: ReportedFile[], totals: RunTotals): string;
}
