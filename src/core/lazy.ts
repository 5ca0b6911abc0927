/**
 * Heavy libraries loaded on first use, not at import time. In the shipped bundles the build maps
 * these `require`s to separately bundled chunks (dist/chunks/*.js, see scripts/build.mjs), so the
 * extension's activation neither parses nor evaluates them.
 */
import type AjvClass from 'ajv';

/** ajv's constructor (JSON Schema validation of collections and mock definitions). */
export function loadAjv(): typeof AjvClass {
  const m = require('ajv');
  return (m.default ?? m) as typeof AjvClass;
}
