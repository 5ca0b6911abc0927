/**
 * A test's variables and the mask of its secrets. References resolve as for a request (request →
 * collection → environment → secrets), below the scenario's own variables, `--var` overrides,
 * started mocks' `mock.<name>.url|port` and captures. Every secret value resolved joins the mask
 * that every reported string goes through.
 */
import type { MessageDef, RequestDef, VariableMap } from '../../collections/types';
import { resolveVariables, type ResolvedVariables } from '../../collections/variables';
import { compileMask, type SecretMask } from '../../collections/secretMask';
import type { PlannedTest } from '../plan';
import { StepFailure, type RunOptions } from './results';

export class RunVariables {
  /** Values set by `capture` steps and started mocks (they beat every other source). */
  readonly captures: VariableMap = {};
  private readonly secretValues = new Set<string>();
  private maskCache: SecretMask | undefined;

  constructor(
    private readonly test: PlannedTest,
    private readonly opts: RunOptions,
  ) {}

  /** Masks every secret value resolved so far. */
  get mask(): SecretMask {
    return (this.maskCache ??= compileMask(this.secretValues));
  }

  /** Resolves the references in `value` (and in `message`, sent as it) for a connection's request and environment. */
  async resolve(request: RequestDef | undefined, env: string | undefined, parts: { message?: MessageDef; value?: unknown; whole?: boolean }): Promise<ResolvedVariables> {
    const overrides = { ...(this.test.variables ?? {}), ...(this.opts.overrides ?? {}), ...this.captures };
    const subject: RequestDef = parts.whole && request
      ? { ...request, messages: [] }
      : ({ name: request?.name ?? '_', url: '', variables: request?.variables, messages: parts.message ? [parts.message] : [], value: parts.value } as unknown as RequestDef);
    const resolved = await resolveVariables(this.opts.collection, subject, {
      environment: env ?? this.opts.environment ?? this.test.env ?? this.opts.defaultEnvironment,
      secrets: this.opts.secrets,
      overrides,
    });
    if (resolved.secretValues.length) {
      for (const s of resolved.secretValues) this.secretValues.add(s);
      this.maskCache = undefined;
    }
    if (!resolved.ok) {
      const e = resolved.errors[0];
      throw new StepFailure(e?.code ?? 'WSWB_UNRESOLVED_VARIABLE', resolved.errors.map((x) => x.message).join('; '));
    }
    return resolved;
  }
}
