import assert from 'node:assert/strict';
import { Opcode } from '../../../src/core/engine/events';
describe('sanity', () => { it('loads TS through tsx', () => { assert.equal(Opcode.Pong, 10); }); });
