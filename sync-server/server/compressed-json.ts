import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { sendJson } from '../http';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Below this a page is sent as is: compressing it costs more than the bytes saved. */
const MIN_COMPRESS_BYTES = 8 * 1024;

export type Encoding = 'br' | 'gzip' | 'identity';

/**
 * Picks the encoding from `Accept-Encoding`: brotli if offered, else gzip.
 * q=0 excludes an encoding; other q values are not ranked (both are fine).
 */
export function negotiateEncoding(header: string | undefined): Encoding {
  const offered = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q !== undefined && Number(q.slice(2)) === 0)) offered.add(name);
  }
  if (offered.has('br')) return 'br';
  if (offered.has('gzip')) return 'gzip';
  return 'identity';
}

/**
 * Sends a JSON body compressed as the client asked (feed pages: 10k changes are
 * several MB of repetitive JSON, ~10× smaller compressed). Compression runs on
 * libuv's thread pool, not the event loop. Speed-leaning levels (brotli 4,
 * gzip 4): the pages are fetched once and must arrive fast, not smallest.
 */
export async function sendJsonCompressed(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
): Promise<void> {
  const text = JSON.stringify(body);
  const encoding = negotiateEncoding(req.headers['accept-encoding']);
  if (encoding === 'identity' || text.length < MIN_COMPRESS_BYTES) {
    sendJson(res, status, body, { vary: 'accept-encoding' });
    return;
  }
  const raw = Buffer.from(text, 'utf8');
  const packed =
    encoding === 'br'
      ? await brotli(raw, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 4,
            [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          },
        })
      : await gzipAsync(raw, { level: 4 });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-encoding': encoding,
    'content-length': packed.length,
    vary: 'accept-encoding',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(packed);
}
