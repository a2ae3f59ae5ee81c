import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

// Do not wait forever for a peer that stops reading: the answer is a courtesy, the destroy is not.
const FLUSH_TIMEOUT_MS = 1000;

/**
 * Answers an upgrade request with a plain HTTP error and destroys the socket, so the request
 * never becomes a WebSocket. `reason` goes into the body: keep it free of secrets.
 */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.on('error', () => undefined); // a reset peer must not crash the server
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${reason}\n`;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 503 ? ['Retry-After: 5'] : []),
  ].join('\r\n');
  const timer = setTimeout(() => socket.destroy(), FLUSH_TIMEOUT_MS);
  timer.unref();
  socket.end(`${head}\r\n\r\n${body}`, () => {
    clearTimeout(timer);
    socket.destroy();
  });
}
