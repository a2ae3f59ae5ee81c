import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error';
import { readBody, tooLarge } from './request-body';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Reads a JSON body of at most `limit` bytes; oversize or invalid JSON is a 413/400 HttpError. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json'))
    throw new HttpError(
      415,
      'HTTP.UNSUPPORTED_MEDIA_TYPE',
      'Send JSON (content-type: application/json).',
    );
  const declared = Number(req.headers['content-length'] ?? '0');
  // Not read at all: Node discards the unread body after the answer (keep-alive intact).
  if (declared > limit) throw tooLarge(limit);
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'HTTP.INVALID_JSON', 'The request body is not valid JSON.');
  }
}

/** The bearer token from `Authorization: Bearer …` (HTTP routes; never from the URL). */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') === true ? header.slice(7).trim() : null;
}

/** Requests without an Origin (native desktop cores, curl) pass; browsers must come from an allowed origin. */
export function originAllowed(req: IncomingMessage, allowed: readonly string[] | 'any'): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowed === 'any' || allowed.includes(origin);
}

export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new HttpError(400, 'HTTP.BAD_PARAMETER', `${name} must be a non-negative integer.`);
  return n;
}
