/**
 * Heavy libraries loaded on first use, not at import time. In the shipped bundles the build maps
 * these `require`s to separately bundled chunks (dist/chunks/*.js, see scripts/build.mjs), so the
 * extension's activation neither parses nor evaluates them.
 */
import type AjvClass from 'ajv';
import type { RE2JS } from 're2js';

/** ajv's constructor (JSON Schema validation of collections and mock definitions). */
export function loadAjv(): typeof AjvClass {
  const m = require('ajv');
  return (m.default ?? m) as typeof AjvClass;
}

/** re2js (the linear-time regular expression engine behind src/core/pattern.ts). */
export function loadRe2(): typeof RE2JS {
  return (require('re2js') as typeof import('re2js')).RE2JS;
}
