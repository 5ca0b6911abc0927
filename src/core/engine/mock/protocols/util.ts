/** Small checks shared by the protocol mocks. */
import { isObject } from '../../../protocols/util';

/** Whether a payload (auth, connectionParams, …) holds every required value (`"*"`: present). */
export function paramsMatch(required: Record<string, unknown>, got: unknown): boolean {
  const keys = Object.keys(required);
  if (!isObject(got)) return keys.length === 0;
  for (const k of keys) {
    if (!Object.hasOwn(got, k)) return false;
    const v = required[k];
    if (v !== '*' && JSON.stringify(got[k]) !== JSON.stringify(v)) return false;
  }
  return true;
}
