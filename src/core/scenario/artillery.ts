/**
 * A scenario as an Artillery script (`engine: ws`, or `engine: socketio` when the request speaks
 * Socket.IO), for load beyond one machine
 * (`websocket-workbench export artillery`, docs/collection-format.md#export-to-artillery).
 *
 * Artillery's WebSocket engine gives each virtual user one connection and runs a flow of steps on it:
 * `connect` (the target), `send` (optionally with `match`/`capture` on the next message received),
 * `wait` (match/capture the next message without sending) and `think` (pause). So one connection of a
 * scenario is exported: the only one, or the alias chosen with `connection`; steps on other
 * connections are left out and listed in the script's header. What Artillery cannot express is kept
 * as a comment, never silently dropped: `expectNone` (becomes a pause of its length), `shape` and
 * object/array `equals` rules, `close` codes, mocks the scenario starts.
 *
 * Variables: the collection's, the environment's, the request's and the scenario's (later wins), as
 * `config.variables` referenced with `{{ name }}`; captured values stay Artillery captures.
 * Secrets become `{{ $env.WSWB_SECRET_<NAME> }}` (the variable the CLI reads), never their values:
 * the exporter does not even look them up.
 *
 * Socket.IO (`"protocol": "socket.io"`): Artillery's Socket.IO engine (socket.io-client 4, websocket
 * transport) connects at the start of the flow; a `socket.io` message becomes `emit: [event, …args]`
 * (with its namespace); the expectation after it becomes `acknowledge` (`"ack": true`) or `response`
 * (`"event"`), with `match`/`capture` on the argument array (the same JSON paths as our decoded
 * payload). Artillery waits for an event response until `config.timeout` (it completes early only on
 * `data`, which compares differently), so those steps take their whole deadline. Pure: no I/O.
 */
import { isProtocolMessage, type Collection, type ExpectRule, type MessageDef, type RequestDef } from '../collections/types';
import type { InlineMessageDef, ScenarioDef, StepDef } from '../collections/scenario';
import { stepAction } from '../collections/scenario';
import { REFERENCE } from '../collections/template';
import { ArtilleryExportError, requestUrl, secretEnvName } from './artilleryCommon';
import { toYaml } from './artilleryYaml';
import { socketIoEmit, socketIoExpect, socketIoMessage, socketIoTarget } from './artillerySocketIo';

export { ArtilleryExportError, secretEnvName } from './artilleryCommon';
export { toYaml } from './artilleryYaml';

export interface ArtilleryOptions {
  /** Which connection alias to export when the scenario opens several. */
  connection?: string;
  /** Environment used when neither the connect step nor the scenario names one. */
  env?: string;
  /** `--var NAME=VALUE` overrides. */
  overrides?: Record<string, string>;
  /** Virtual users to start (`arrivalCount`), default 1, over `durationS` seconds (default 1). */
  users?: number;
  durationS?: number;
}

/** What the script does, for the CLI's summary line and for tests. */
export interface ArtilleryExport {
  yaml: string;
  script: ArtilleryScript;
  connection: string;
  /** Sends per virtual user (`websocket.messages_sent` = users × sends). */
  sends: number;
  /** Replies matched or captured per virtual user (`websocket.messages_received` at least this). */
  receives: number;
  /** Secret environment variables the script reads. */
  secrets: string[];
  /** Steps kept as comments (Artillery cannot express them). */
  gaps: string[];
}

type Flow = Array<Record<string, unknown> | { comment: string }>;
export interface ArtilleryScript {
  config: Record<string, unknown>;
  scenarios: Array<{ name: string; engine: 'ws' | 'socketio'; flow: Flow }>;
}

const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function scenarioToArtillery(c: Collection, scenarioName: string, opts: ArtilleryOptions = {}): ArtilleryExport {
  const sc: ScenarioDef | undefined = (c.scenarios ?? []).find((s) => s.name === scenarioName);
  if (!sc) {
    throw new ArtilleryExportError(
      `no scenario named "${scenarioName}" (scenarios: ${(c.scenarios ?? []).map((s) => JSON.stringify(s.name)).join(', ') || 'none'})`,
      'WSWB_SCENARIO_UNKNOWN_NAME',
    );
  }
  // Aliases, in the order they are opened.
  const connects = new Map<string, StepDef>();
  const walkAll = (steps: StepDef[], f: (st: StepDef) => void) => {
    for (const st of steps) {
      f(st);
      if (st.unordered) walkAll(st.steps ?? [], f);
    }
  };
  walkAll(sc.steps, (st) => {
    if (st.connect === undefined) return;
    const alias = st.as ?? st.connect;
    if (connects.has(alias)) throw new ArtilleryExportError(`connection "${alias}" is opened twice: an Artillery flow has one connection, opened once`, 'WSWB_EXPORT_UNSUPPORTED');
    connects.set(alias, st);
  });
  if (connects.size === 0) throw new ArtilleryExportError(`scenario "${sc.name}" has no connect step`, 'WSWB_EXPORT_UNSUPPORTED');
  const aliases = [...connects.keys()];
  let alias: string;
  if (opts.connection !== undefined) {
    if (!connects.has(opts.connection)) {
      throw new ArtilleryExportError(`scenario "${sc.name}" has no connection "${opts.connection}" (connections: ${aliases.map((a) => JSON.stringify(a)).join(', ')})`, 'WSWB_SCENARIO_UNKNOWN_NAME');
    }
    alias = opts.connection;
  } else if (aliases.length > 1) {
    throw new ArtilleryExportError(
      `scenario "${sc.name}" uses ${aliases.length} connections (${aliases.map((a) => JSON.stringify(a)).join(', ')}); an Artillery virtual user has one: ` +
        `choose one with --connection (its steps are exported, the others' left out)`,
      'WSWB_EXPORT_UNSUPPORTED',
    );
  } else {
    alias = aliases[0]!;
  }
  const connectStep = connects.get(alias)!;
  const request: RequestDef | undefined = (c.requests ?? []).find((r) => r.name === connectStep.connect);
  if (!request) throw new ArtilleryExportError(`no request named "${connectStep.connect}"`, 'WSWB_SCENARIO_UNKNOWN_NAME');

  // Variables, later wins; secrets are never resolved, only referenced.
  const envName = connectStep.env ?? sc.env ?? opts.env;
  if (envName !== undefined && !Object.prototype.hasOwnProperty.call(c.environments ?? {}, envName)) {
    throw new ArtilleryExportError(`no environment named "${envName}"`, 'WSWB_SCENARIO_UNKNOWN_NAME');
  }
  const vars: Record<string, string> = {
    ...(c.variables ?? {}),
    ...(envName !== undefined ? c.environments![envName] : {}),
    ...(request.variables ?? {}),
    ...(sc.variables ?? {}),
    ...(opts.overrides ?? {}),
  };
  const captured = new Set<string>();
  walkAll(sc.steps, (st) => {
    if (st.capture) captured.add(st.capture.var);
  });
  const secrets = new Set<string>();
  const usedVars = new Map<string, string>();
  const missing = new Set<string>();
  /** Our template → Artillery's: variables as `{{ name }}` (inlined when not a plain name), secrets as env references. */
  const convert = (text: string, depth = 0): string =>
    text.replace(REFERENCE, (whole, secret: string | undefined, name: string) => {
      if (secret) {
        const envVar = secretEnvName(name);
        secrets.add(envVar);
        return `{{ $env.${envVar} }}`;
      }
      if (captured.has(name) && !Object.prototype.hasOwnProperty.call(vars, name)) return `{{ ${name} }}`;
      if (!Object.prototype.hasOwnProperty.call(vars, name)) {
        missing.add(name);
        return whole;
      }
      const value = depth < 10 ? convert(vars[name]!, depth + 1) : vars[name]!;
      if (SIMPLE_NAME.test(name) && !value.includes('{{')) {
        usedVars.set(name, value);
        return `{{ ${name} }}`;
      }
      return value;
    });
  const convertDeep = (v: unknown): unknown => {
    if (typeof v === 'string') return convert(v);
    if (Array.isArray(v)) return v.map(convertDeep);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [convert(k), convertDeep(x)]));
    return v;
  };

  const gaps: string[] = [];
  const flow: Flow = [];
  const sio = request.protocol === 'socket.io' ? socketIoTarget(request, convert, convertDeep) : undefined;
  if (!sio) {
    const connect: Record<string, unknown> = { target: convert(requestUrl(request)) };
    if (request.headers && Object.keys(request.headers).length) connect.headers = convertDeep(request.headers);
    if (request.subprotocols?.length) connect.subprotocols = request.subprotocols;
    flow.push({ connect });
  }
  if (request.protocol !== undefined && !['auto', 'raw', 'socket.io'].includes(request.protocol)) {
    throw new ArtilleryExportError(`request "${request.name}" speaks ${request.protocol}: Artillery has engines for plain WebSocket and Socket.IO only`, 'WSWB_EXPORT_UNSUPPORTED');
  }
  const unsupportedRequest = (['auth', 'tls', 'proxy', 'origin'] as const).filter((k) => request[k] !== undefined);
  if (unsupportedRequest.length) {
    const g = `request "${request.name}": ${unsupportedRequest.join(', ')} not exported (set them in config.ws / config.tls by hand)`;
    gaps.push(g);
    flow.push({ comment: g });
  }

  let sends = 0;
  let receives = 0;
  /** The step whose next message the last expectation matched, for a later `capture` step. */
  let lastMatch: Record<string, unknown> | undefined;
  /** A send not followed yet by an expectation: the next expect attaches to it (Artillery matches the next message after the step starts). */
  let pendingSend: { step: Record<string, unknown>; payload: unknown; ack?: boolean } | undefined;
  let maxWithin = 0;
  let closed = false;
  const left = new Set<string>();
  const onThis = (st: StepDef, current: string | undefined) => (st.on ?? current) === alias;

  const expectSpec = (rule: ExpectRule): { match?: Record<string, unknown>; capture?: Record<string, unknown>; gap?: string } => {
    if (rule.jsonPath !== undefined && rule.equals !== undefined) {
      if (rule.equals !== null && typeof rule.equals === 'object') return { gap: `equals an object or array at ${rule.jsonPath}` };
      return { match: { json: rule.jsonPath, value: typeof rule.equals === 'string' ? convert(rule.equals) : rule.equals } };
    }
    if (rule.jsonPath !== undefined && rule.exists !== false && rule.shape === undefined && rule.regex === undefined) {
      // A capture fails (strict by default) when the path is absent: that is `exists`.
      return { capture: { json: rule.jsonPath, as: `_exists_${receives + 1}` } };
    }
    if (rule.regex !== undefined && rule.jsonPath === undefined && rule.shape === undefined) {
      return { capture: { regexp: rule.regex, ...(rule.flags ? { flags: rule.flags } : {}), as: `_match_${receives + 1}` } };
    }
    return { gap: `expectation ${JSON.stringify(rule)} (${rule.shape ? 'shape' : 'exists: false'})` };
  };

  let current: string | undefined;
  const walk = (steps: StepDef[]) => {
    for (const st of steps) {
      const action = stepAction(st);
      if (action === 'connect') {
        current = st.as ?? st.connect;
        continue;
      }
      if (action === 'unordered') {
        if ((st.steps ?? []).filter((g) => onThis(g, current)).length > 1) flow.push({ comment: 'unordered group: Artillery checks these in order' });
        walk(st.steps ?? []);
        continue;
      }
      if (action === 'wait') {
        // A pending send keeps its place: its reply is matched before the pause (not lost during it).
        flow.push({ think: st.wait! / 1000 });
        continue;
      }
      if (action === 'startMock' || action === 'stopMock') {
        const g = `${action} "${st[action]}": start the mock yourself where the target points`;
        gaps.push(g);
        flow.push({ comment: g });
        continue;
      }
      if (!action) continue;
      if (!onThis(st, current)) {
        left.add(st.on ?? current ?? '?');
        continue;
      }
      if (closed) throw new ArtilleryExportError(`connection "${alias}" is used after it is closed: an Artillery flow closes its connection only at its end`, 'WSWB_EXPORT_UNSUPPORTED');
      switch (action) {
        case 'send': {
          if (sio) {
            const m = socketIoMessage(request, st.send!);
            const step: Record<string, unknown> = { emit: socketIoEmit(m, convertDeep) };
            const nsp = m.namespace ?? sio.namespace;
            if (nsp !== '/') step.namespace = nsp;
            flow.push(step);
            sends++;
            pendingSend = { step, payload: step.emit, ...(m.ack ? { ack: true } : {}) };
            lastMatch = undefined;
            break;
          }
          const payload = convertDeep(messagePayload(request, st.send!));
          const step = { send: payload };
          flow.push(step);
          sends++;
          pendingSend = { step, payload };
          lastMatch = undefined;
          break;
        }
        case 'expect': {
          maxWithin = Math.max(maxWithin, st.within ?? st.expect!.timeoutMs ?? 5000);
          if (sio) {
            const r = socketIoExpect(st.expect!, pendingSend, expectSpec);
            if ('gap' in r) {
              gaps.push(r.gap);
              flow.push({ comment: `not exported: ${r.gap}` });
              lastMatch = undefined;
            } else {
              pendingSend!.step[r.key] = r.params;
              lastMatch = r.params;
              receives++;
            }
            pendingSend = undefined;
            break;
          }
          const spec = expectSpec(st.expect!);
          if (spec.gap) {
            gaps.push(spec.gap);
            flow.push({ comment: `not exported: ${spec.gap}` });
            lastMatch = undefined;
            break;
          }
          const params: Record<string, unknown> = {};
          if (spec.match) params.match = [spec.match];
          if (spec.capture) params.capture = [spec.capture];
          if (pendingSend) {
            pendingSend.step.send = { payload: pendingSend.payload, ...params };
            lastMatch = pendingSend.step.send as Record<string, unknown>;
            pendingSend = undefined;
          } else {
            const step = { wait: params };
            flow.push(step);
            lastMatch = params;
          }
          receives++;
          break;
        }
        case 'capture': {
          const cap = { json: st.capture!.jsonPath, as: st.capture!.var };
          if (!lastMatch) {
            const g = `capture of ${st.capture!.var}: no exported expectation before it to capture from`;
            gaps.push(g);
            flow.push({ comment: g });
            break;
          }
          lastMatch.capture = [...((lastMatch.capture as unknown[]) ?? []), cap];
          break;
        }
        case 'expectNone': {
          const ms = st.for ?? 1000;
          const g = `expectNone ${JSON.stringify(st.expectNone)} for ${ms} ms: Artillery cannot check that nothing arrives; exported as a pause`;
          gaps.push(g);
          flow.push({ comment: g });
          flow.push({ think: ms / 1000 });
          break;
        }
        case 'close': {
          closed = true;
          if (st.close !== true) flow.push({ comment: `close ${JSON.stringify(st.close)}: Artillery closes the connection (code 1000) when the flow ends` });
          break;
        }
      }
    }
  };
  walk(sc.steps);

  if (missing.size) {
    throw new ArtilleryExportError(`no value for ${[...missing].map((m) => `{{${m}}}`).join(', ')}: define it in the collection, an environment (--env) or with --var`, 'WSWB_UNRESOLVED_VARIABLE');
  }
  const header: string[] = [
    `Exported by websocket-workbench from scenario "${sc.name}" of collection "${c.name}", connection "${alias}".`,
    ...(secrets.size ? [`Secrets are read from the environment: ${[...secrets].join(', ')}.`] : []),
    ...(left.size ? [`Left out: the steps on connection(s) ${[...left].map((a) => JSON.stringify(a)).join(', ')} (one connection per Artillery virtual user).`] : []),
    sio
      ? 'Artillery waits for an event response (`response`) until config.timeout, then checks what arrived; an ack (`acknowledge`) completes when it arrives.'
      : 'Artillery checks an expectation against the next message after its step starts (the scenario waits for a matching one).',
  ];
  const users = opts.users ?? 1;
  const durationS = opts.durationS ?? 1;
  const timeout = Math.max(1, Math.ceil(maxWithin / 1000));
  const config: Record<string, unknown> = sio
    ? { target: sio.target, phases: [], timeout, socketio: sio.options }
    : {
        target: convert(requestUrl(request)).replace(/^(wss?:\/\/[^/?#]*).*$/, '$1'),
        phases: [],
        ws: {
          timeout,
          ...(request.handshakeTimeoutMs ? { handshakeTimeout: request.handshakeTimeoutMs } : {}),
        },
      };
  config.phases = [{ duration: durationS, arrivalCount: users, name: `${users} user(s) over ${durationS} s` }];
  if (usedVars.size) config.variables = Object.fromEntries(usedVars);
  // The target's origin must not be templated with flow variables (Artillery resolves config first):
  if (/\{\{ (?!\$env\.)/.test(config.target as string)) config.target = substitutePlain(config.target as string, usedVars);
  const script: ArtilleryScript = { config, scenarios: [{ name: `${sc.name}${aliases.length > 1 ? ` (${alias})` : ''}`, engine: sio ? 'socketio' : 'ws', flow }] };
  return { yaml: toYaml(script, header), script, connection: alias, sends, receives, secrets: [...secrets], gaps };
}

function substitutePlain(text: string, vars: Map<string, string>): string {
  return text.replace(/\{\{ ([A-Za-z_][A-Za-z0-9_]*) \}\}/g, (w, n: string) => vars.get(n) ?? w);
}

/** What a send step sends: a JSON value (Artillery serializes objects) or text. Binary is refused. */
function messagePayload(r: RequestDef, send: string | InlineMessageDef): unknown {
  const m: MessageDef | InlineMessageDef | undefined = typeof send === 'string' ? (r.messages ?? []).find((x) => x.name === send) : send;
  if (!m) throw new ArtilleryExportError(`request "${r.name}" has no message named "${String(send)}"`, 'WSWB_SCENARIO_UNKNOWN_NAME');
  if (m.kind === 'binary') throw new ArtilleryExportError(`message ${m.name ? `"${m.name}"` : '(inline)'} is binary: Artillery's ws engine sends text only`, 'WSWB_EXPORT_UNSUPPORTED');
  if (isProtocolMessage(m)) throw new ArtilleryExportError(`message ${m.name ? `"${m.name}"` : '(inline)'} is a ${m.kind} message: Artillery's ws engine sends text only`, 'WSWB_EXPORT_UNSUPPORTED');
  if (m.kind === 'json') return m.data !== null && typeof m.data === 'object' ? m.data : JSON.stringify(m.data);
  return typeof m.data === 'string' ? m.data : JSON.stringify(m.data ?? '');
}
