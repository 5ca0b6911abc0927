/** Coded errors of the mock server engine (documented in docs/error-codes.md, "Mock servers"). */
import { CodedError } from '../../errors';

/** Machine codes a MockServer throws or records. */
export type MockErrorCode =
  | 'MOCK_INVALID_DEFINITION'
  | 'MOCK_LISTEN_FAILED'
  | 'MOCK_TLS_FAILED'
  | 'MOCK_ALREADY_STARTED'
  | 'MOCK_NOT_FOUND'
  | 'MOCK_ORIGIN_REJECTED'
  | 'MOCK_HOST_REJECTED'
  | 'MOCK_PATH_NOT_FOUND'
  | 'MOCK_SUBPROTOCOL_REJECTED'
  | 'MOCK_HANDSHAKE_REFUSED'
  | 'MOCK_BAD_UPGRADE'
  | 'MOCK_CLIENT_ERROR'
  | 'MOCK_SEND_FAILED'
  | 'MOCK_INTERNAL_ERROR';

/** An error of the mock engine: one of the MockErrorCode codes. */
export class MockError extends CodedError {
  declare readonly code: MockErrorCode;
  constructor(code: MockErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
