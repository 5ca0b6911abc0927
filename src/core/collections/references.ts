/**
 * The `{{name}}` / `{{secret:name}}` reference grammar, once, for every part of the project that
 * reads or writes references: collection resolution (variables.ts), the panel (connect, send,
 * save), the webview composer (URL and JSON checks, the variables box) and the workflow commands.
 * Names follow the collection schema's variable names: a letter or `_`, then letters, digits,
 * `_`, `.` or `-`. Pure: no Node API, no DOM, so the webview bundle imports it too.
 */

/** A variable name, as the schema's `variables` property names. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Source of the grammar; `new RegExp(REFERENCE_SOURCE, 'g')` where a fresh global regex is needed. */
const REFERENCE_SOURCE = String.raw`\{\{\s*(secret:)?([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}`;

/** One reference: group 1 is `secret:` when present, group 2 the name. Global: use with matchAll/replace. */
export const REFERENCE = new RegExp(REFERENCE_SOURCE, 'g');

/** The key a reference resolves under: `name`, or `secret:name`. */
export function referenceKey(secret: string | undefined, name: string): string {
  return (secret ? 'secret:' : '') + name;
}

/** Reference keys (`name`, `secret:name`) in a string, in order of appearance (repeats kept). */
export function referencesIn(text: string): string[] {
  if (!text.includes('{{')) return [];
  const out: string[] = [];
  for (const m of text.matchAll(REFERENCE)) out.push(referenceKey(m[1], m[2]!));
  return out;
}

/**
 * Replaces each reference with `value(key)`; a reference for which it returns undefined stays as
 * written. The strict and lenient substitutions of the project are both this function.
 */
export function replaceReferences(text: string, value: (key: string) => string | undefined): string {
  if (!text.includes('{{')) return text;
  return text.replace(REFERENCE, (whole, secret: string | undefined, name: string) => value(referenceKey(secret, name)) ?? whole);
}

/** Each reference replaced by `placeholder` (to check that the text around references parses). */
export function withPlaceholders(text: string, placeholder: string): string {
  return replaceReferences(text, () => placeholder);
}

/** True when the whole string (spaces around allowed) is one reference: a value kept out of files as `{{secret:name}}`. */
export function isReference(text: string): boolean {
  const m = /^\s*(\{\{[^{}]*\}\})\s*$/.exec(text);
  return !!m && referencesIn(m[1]!).length === 1;
}

/** True when the string starts with a reference (e.g. a URL whose scheme and host are one variable). */
export function startsWithReference(text: string): boolean {
  return new RegExp('^\\s*' + REFERENCE_SOURCE).test(text);
}
