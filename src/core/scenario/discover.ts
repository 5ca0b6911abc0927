/**
 * The tests a collection file's text holds, with where each is in the text: what the Test Explorer
 * shows under the file (and the gutter beside each scenario). Pure; the extension adapts it.
 */
import { parseCollection } from '../collections/parse';
import type { Collection, CollectionDiagnostic } from '../collections/types';
import { planTests } from './plan';
import type { PlannedTest } from './plan';
import { PathLocator } from './locate';
import type { TextLocation } from './locate';

/** One test found in a file. */
export interface DiscoveredTest {
  /** `scenario:<name>` or `request:<name>`, unique in the file. */
  id: string;
  name: string;
  kind: PlannedTest['kind'];
  description?: string;
  /** From the scenario's (request's) opening brace to its closing one. */
  range: { start: TextLocation; end: TextLocation };
}

/** What a file holds. When it does not validate, `tests` is empty and `errors` says why. */
export interface DiscoveredFile {
  ok: boolean;
  name?: string;
  tests: DiscoveredTest[];
  errors: CollectionDiagnostic[];
  collection?: Collection;
  locator: PathLocator;
}

export function discoverTests(text: string, file: string): DiscoveredFile {
  const parsed = parseCollection(text, file);
  const locator = new PathLocator(text);
  if (!parsed.ok || !parsed.collection) return { ok: false, tests: [], errors: parsed.errors, locator };
  const c = parsed.collection;
  const tests = planTests(c).map((t) => {
    const def = t.kind === 'scenario' ? c.scenarios![t.path[1] as number] : c.requests![t.path[1] as number];
    const d: DiscoveredTest = { id: t.id, name: t.name, kind: t.kind, range: locator.range(t.path) };
    if (def?.description) d.description = def.description;
    return d;
  });
  return { ok: true, name: c.name, tests, errors: [], collection: c, locator };
}
