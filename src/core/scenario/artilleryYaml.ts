/**
 * The YAML an Artillery script is written in: block style, every scalar as JSON (valid YAML flow
 * scalars), `{comment}` items as `#` lines. Pure.
 */
import type { ArtilleryScript } from './artillery';

function scalar(v: unknown): string {
  return JSON.stringify(v === undefined ? null : v);
}

function isComment(v: unknown): v is { comment: string } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { comment?: unknown }).comment === 'string';
}

function emit(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isComment(item)) {
        out.push(`${indent}# ${item.comment.replace(/\n/g, ' ')}`);
      } else if (item && typeof item === 'object' && Object.keys(item).length) {
        const lines: string[] = [];
        emit(item, indent + '  ', lines);
        out.push(indent + '- ' + lines[0]!.slice(indent.length + 2), ...lines.slice(1));
      } else {
        out.push(`${indent}- ${Array.isArray(item) ? '[]' : item && typeof item === 'object' ? '{}' : scalar(item)}`);
      }
    }
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const key = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(k) ? k : JSON.stringify(k);
    if (x && typeof x === 'object' && Object.keys(x).length) {
      out.push(`${indent}${key}:`);
      emit(x, indent + '  ', out);
    } else {
      out.push(`${indent}${key}: ${Array.isArray(x) ? '[]' : x && typeof x === 'object' ? '{}' : scalar(x)}`);
    }
  }
}

export function toYaml(script: ArtilleryScript, header: string[] = []): string {
  const out = header.map((h) => `# ${h}`);
  emit(script, '', out);
  return out.join('\n') + '\n';
}
