/** Units shown to people, shared by the extension host (status bar) and the webview (panel). Pure. */

/** A round-trip time: µs below 1 ms (a loopback ping is ~0.1 ms, which "0.0 ms" hid), ms above. */
export function formatRtt(ms: number): string {
  if (ms < 1) return `${Math.max(0, Math.round(ms * 1000))} µs`;
  return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
}
