/** A raw WebSocket upgrade with exactly the given headers (Host, Origin…), for gate tests: resolves with the response's status line. */
import net from 'node:net';

export function upgradeStatus(port: number, headers: Record<string, string>, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      got += d.toString('latin1');
      const i = got.indexOf('\r\n');
      if (i >= 0) {
        socket.destroy();
        resolve(got.slice(0, i));
      }
    });
    const h = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers };
    socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  });
}
