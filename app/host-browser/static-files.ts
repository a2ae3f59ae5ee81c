import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { contentTypeFor } from '../host';

export { contentTypeFor } from '../host';

/** True when `candidate` is `root` itself or lies below it (both absolute and normalized). */
function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Maps a raw request path (before `?`, still percent-encoded) to a file below
 * `rootDir`, or null when it must be refused: undecodable escapes, NUL bytes,
 * backslashes (a separator on Windows), or anything that resolves outside the
 * root, however it was spelled (`..`, `%2e%2e`, `..%2f`). `/` and paths ending in
 * `/` mean their `index.html`.
 */
export function resolveStaticPath(rootDir: string, rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.endsWith('/')) decoded += 'index.html';
  const root = resolve(rootDir);
  const file = resolve(root, `.${decoded}`);
  return file !== root && isInside(root, file) ? file : null;
}

/** Page shown while `renderer/dist` has no build yet, so the operator knows why. */
export function placeholderPage(staticDir: string): string {
  const dir = staticDir.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleetdesk — UI not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}
code{background:#eee;padding:0 .25rem}</style></head>
<body><main><h1>The Fleetdesk UI is not built yet</h1>
<p>The browser host is running and the operator API is live at <code>/api</code>,
but there is no <code>index.html</code> in <code>${dir}</code>.</p>
<p>Build the renderer into that folder, then reload this page.</p></main></body></html>
`;
}

export type StaticOutcome = 'served' | 'placeholder' | 'not-found';

/**
 * Serves one GET/HEAD for a static file. Symlinks are followed only when their
 * target also lies inside the root. Files are streamed, never read whole.
 */
export async function serveStatic(
  res: ServerResponse,
  staticDir: string,
  rawPath: string,
  headOnly: boolean,
  baseHeaders: Readonly<Record<string, string>>,
): Promise<StaticOutcome> {
  const file = resolveStaticPath(staticDir, rawPath);
  const found = file === null ? null : await statInside(staticDir, file);
  if (file === null || found === null) {
    if (rawPath === '/' || rawPath === '/index.html') {
      if (!(await statInside(staticDir, resolve(staticDir, 'index.html')))) {
        send(
          res,
          200,
          'text/html; charset=utf-8',
          placeholderPage(staticDir),
          headOnly,
          baseHeaders,
        );
        return 'placeholder';
      }
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n', headOnly, baseHeaders);
    return 'not-found';
  }
  res.writeHead(200, {
    ...baseHeaders,
    'Content-Type': contentTypeFor(found.path),
    'Content-Length': String(found.size),
    // The bundle changes between builds and every run has a new token: always revalidate.
    'Cache-Control': 'no-cache',
  });
  if (headOnly) {
    res.end();
    return 'served';
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(found.path);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    res.on('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
  return 'served';
}

/** The real path and size of a regular file inside the root, else null. */
async function statInside(
  staticDir: string,
  file: string,
): Promise<{ path: string; size: number } | null> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(staticDir), realpath(file)]);
    if (!isInside(realRoot, realFile)) return null;
    const info = await stat(realFile);
    return info.isFile() ? { path: realFile, size: info.size } : null;
  } catch {
    return null;
  }
}

/** Writes a small complete response. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headOnly: boolean,
  baseHeaders: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...baseHeaders,
    ...extra,
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(headOnly ? undefined : body);
}
