/**
 * `{{name}}` substitution for URLs, headers and messages. Unknown names stay as written, so a
 * missing variable is visible in what was sent rather than silently empty. Pure.
 */
const VAR = /\{\{\s*([A-Za-z_][\w.:-]*)\s*\}\}/g;

/** Replaces each `{{name}}` that `vars` defines. */
export function substituteVariables(text: string, vars: Record<string, string>): string {
  if (!text.includes('{{')) return text;
  return text.replace(VAR, (whole, name: string) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name]! : whole));
}

/** Names used in `text` that `vars` does not define. */
export function missingVariables(text: string, vars: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(VAR)) if (!Object.prototype.hasOwnProperty.call(vars, m[1]!)) out.add(m[1]!);
  return [...out];
}
