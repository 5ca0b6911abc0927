/**
 * Close status codes: RFC 6455 §7.4.1 plus the IANA "WebSocket Close Code Number Registry"
 * (https://www.iana.org/assignments/websocket/websocket.xhtml#close-code-number).
 * Pure (used by the webview too): no Node imports.
 */

/** A registered close code: number, IANA name and a one-line description. */
export interface CloseCodeEntry {
  code: number;
  name: string;
  description: string;
}

/** Everything known about a close code, including whether it may appear in a close frame. */
export interface CloseCodeInfo extends CloseCodeEntry {
  /** May be sent in a close frame (RFC 6455 §7.4.1–§7.4.2). */
  sendable: boolean;
}

/** Registered close codes, in numeric order (RFC 6455 §7.4.1, RFC 7692, IANA registry). */
export const CLOSE_CODES: ReadonlyArray<CloseCodeEntry> = Object.freeze([
  { code: 1000, name: 'Normal Closure', description: 'The purpose for which the connection was established has been fulfilled.' },
  { code: 1001, name: 'Going Away', description: 'An endpoint is going away (server going down, browser navigating away).' },
  { code: 1002, name: 'Protocol Error', description: 'The endpoint is terminating the connection due to a protocol error.' },
  { code: 1003, name: 'Unsupported Data', description: 'The endpoint received a type of data it cannot accept (e.g. binary when only text is understood).' },
  { code: 1004, name: 'Reserved', description: 'Reserved; its meaning might be defined in the future. Never sent.' },
  { code: 1005, name: 'No Status Rcvd', description: 'No status code was present in the close frame. Never sent on the wire.' },
  { code: 1006, name: 'Abnormal Closure', description: 'The connection was closed without a close frame. Never sent on the wire.' },
  { code: 1007, name: 'Invalid Frame Payload Data', description: 'A message contained data inconsistent with its type (e.g. non-UTF-8 in a text message).' },
  { code: 1008, name: 'Policy Violation', description: 'A message violated the endpoint\'s policy.' },
  { code: 1009, name: 'Message Too Big', description: 'A message was too big to process.' },
  { code: 1010, name: 'Mandatory Ext.', description: 'The client expected the server to negotiate one or more extensions, and it did not.' },
  { code: 1011, name: 'Internal Error', description: 'The server encountered an unexpected condition that prevented it from fulfilling the request.' },
  { code: 1012, name: 'Service Restart', description: 'The service is restarting; the client may reconnect.' },
  { code: 1013, name: 'Try Again Later', description: 'The service is temporarily overloaded; try again later.' },
  { code: 1014, name: 'Bad Gateway', description: 'A gateway or proxy received an invalid response from the upstream server.' },
  { code: 1015, name: 'TLS Handshake', description: 'The TLS handshake failed (e.g. the certificate could not be verified). Never sent on the wire.' },
  { code: 3000, name: 'Unauthorized', description: 'The endpoint requires authentication (IANA, registered for frameworks).' },
  { code: 3003, name: 'Forbidden', description: 'The endpoint is authenticated but not allowed to do this (IANA).' },
  { code: 3008, name: 'Timeout', description: 'The endpoint timed out waiting (IANA).' },
].map((e) => Object.freeze(e)));

const byCode = new Map<number, CloseCodeEntry>(CLOSE_CODES.map((e) => [e.code, e]));

/** Whether `code` may be sent in a close frame (RFC 6455 §7.4.1; 1004/1005/1006/1015 and 1016–2999 are not). */
export function isValidCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** Name, description and sendability of any close code, registered or not (RFC 6455 §7.4.2 ranges). */
export function closeCodeInfo(code: number): CloseCodeInfo {
  const known = byCode.get(code);
  const sendable = isValidCloseCode(code);
  if (known) return { ...known, sendable };
  let name: string;
  let description: string;
  if (!Number.isInteger(code) || code < 0 || code > 65535) {
    name = 'Invalid';
    description = 'Not a 16-bit close code.';
  } else if (code < 1000) {
    name = 'Unused';
    description = 'Codes 0–999 are not used (RFC 6455 §7.4.2).';
  } else if (code < 3000) {
    name = 'Reserved';
    description = 'Codes 1000–2999 are reserved for the protocol and its extensions (RFC 6455 §7.4.2).';
  } else if (code < 4000) {
    name = 'Registered';
    description = 'Codes 3000–3999 are for libraries, frameworks and applications, registered with IANA (RFC 6455 §7.4.2).';
  } else if (code < 5000) {
    name = 'Private Use';
    description = 'Codes 4000–4999 are for private use by applications (RFC 6455 §7.4.2).';
  } else {
    name = 'Invalid';
    description = 'Codes 5000 and above are not defined (RFC 6455 §7.4.2).';
  }
  return { code, name, description, sendable };
}
