/** Coded errors of the mock server engine (documented in docs/error-codes.md, "Mock servers"). */
import { CodedError } from '../../errors';

/** Machine codes a MockServer throws or records. */
export type MockErrorCode =
  | 'WSWB_MOCK_INVALID_DEFINITION'
  | 'WSWB_MOCK_LISTEN_FAILED'
  | 'WSWB_MOCK_TLS_FAILED'
  | 'WSWB_MOCK_ALREADY_STARTED'
  | 'WSWB_MOCK_NOT_FOUND'
  | 'WSWB_MOCK_ORIGIN_REJECTED'
  | 'WSWB_MOCK_HOST_REJECTED'
  | 'WSWB_MOCK_PATH_NOT_FOUND'
  | 'WSWB_MOCK_SUBPROTOCOL_REJECTED'
  | 'WSWB_MOCK_BAD_UPGRADE'
  | 'WSWB_MOCK_CLIENT_ERROR'
  | 'WSWB_MOCK_SEND_FAILED'
  | 'WSWB_MOCK_INTERNAL_ERROR';

/** An error of the mock engine: one of the MockErrorCode codes. */
export class MockError extends CodedError {
  declare readonly code: MockErrorCode;
  constructor(code: MockErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
