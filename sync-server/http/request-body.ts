import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error';

/**
 * The client went away before its request body was complete (a desk on a bad network, a
 * closed laptop, a hostile client): not a server fault. Counted and logged at debug, never
 * logged as an error with a stack.
 */
export class ClientAbortError extends Error {
  constructor() {
    super('client aborted the request');
    this.name = 'ClientAbortError';
  }
}

export const tooLarge = (limit: number): HttpError =>
  new HttpError(413, 'HTTP.BODY_TOO_LARGE', `The request body exceeds ${limit} bytes.`);

/**
 * After an oversize body, the rest is read and dropped up to this much, so the client (still
 * sending) can read the 413; closing at once would reset the connection under it, and many
 * clients then report a cut connection instead of the answer. Past this, the socket is closed.
 */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

/**
 * The request body, at most `limit` bytes. Rejects with a 413 as soon as it is longer (the
 * rest is discarded, see MAX_DISCARD_BYTES) and with `ClientAbortError` if the client goes
 * away first. Event-based rather than `for await`: leaving that loop early destroys the socket.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (outcome: () => void): void => {
      if (done) return;
      done = true;
      outcome();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (done) {
        if (size > MAX_DISCARD_BYTES) req.socket.destroy();
        return;
      }
      if (size > limit) {
        chunks.length = 0;
        finish(() => {
          reject(tooLarge(limit));
        });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      finish(() => {
        resolve(Buffer.concat(chunks));
      });
    });
    // 'error' (ECONNRESET "aborted") and 'close' before 'end': the client went away.
    req.on('error', () => {
      finish(() => {
        reject(new ClientAbortError());
      });
    });
    req.on('close', () => {
      finish(() => {
        reject(new ClientAbortError());
      });
    });
  });
}
