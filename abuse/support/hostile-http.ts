/** HTTP clients no well-behaved desk would be: cut bodies, endless chunked bodies. */
import { request } from 'node:http';
import { connect } from 'node:net';

/** Sends headers promising `declared` bytes, `sent` of them, then drops the connection. */
export async function abortMidBody(
  port: number,
  path: string,
  token: string,
  declared = 10_000,
  sent = 200,
): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n` +
      '{"name":"'.padEnd(sent, 'x'),
  );
  await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
}

/** POSTs `totalBytes` as a chunked body (no Content-Length); resolves with the answer. */
export function chunkedPost(
  port: number,
  path: string,
  token: string,
  totalBytes: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    const pump = (): void => {
      while (written < totalBytes) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}
