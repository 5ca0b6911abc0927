/**
 * Coded protocol errors. Every violation the decoder, assembler or parsers detect is a
 * ProtocolError with a machine code (ws's vocabulary where ws has one) and the close status it
 * implies (RFC 6455 §7.4.1). All codes are listed in docs/error-codes.md.
 */
import { CodedError } from '../errors';

/** A protocol violation or malformed input: `code` is machine-readable, `closeCode` the implied close status (0: none). */
export class ProtocolError extends CodedError {
  /** Close status the error implies (1002, 1007, 1009…; 1006 for a failed handshake; 0 when none). */
  readonly closeCode: number;

  constructor(code: string, message: string, closeCode: number) {
    super(code, message);
    this.closeCode = closeCode;
  }
}

/** Every code this module raises, with the close status it implies (kept in sync with docs/error-codes.md by a test). */
export const PROTOCOL_ERROR_CODES = {
  WS_ERR_INVALID_OPCODE: 1002,
  WS_ERR_UNEXPECTED_RSV_1: 1002,
  WS_ERR_UNEXPECTED_RSV_2: 1002,
  WS_ERR_UNEXPECTED_RSV_3: 1002,
  WS_ERR_EXPECTED_FIN: 1002,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1002,
  WS_ERR_EXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_INVALID_DATA_PAYLOAD_LENGTH: 1002,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_PAYLOAD_ALLOCATION: 1009,
  WS_ERR_UNEXPECTED_CONTINUATION: 1002,
  WS_ERR_EXPECTED_CONTINUATION: 1002,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
  WSWB_HTTP_PARSE_ERROR: 1006,
  WSWB_HEX_PARSE_ERROR: 0,
} as const;

/** One of the codes in PROTOCOL_ERROR_CODES. */
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;

/** Builds a ProtocolError whose close status comes from the table above. */
export function protocolError(code: ProtocolErrorCode, message: string): ProtocolError {
  return new ProtocolError(code, message, PROTOCOL_ERROR_CODES[code]);
}
