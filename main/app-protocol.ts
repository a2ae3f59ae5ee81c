import { resolve, sep } from 'node:path';
import { contentTypeFor } from '../app/host';

/**
 * The `app://fleetdesk/` scheme the window loads the renderer from. Pure (no
 * `electron` import) so the path rules are unit-tested in plain Node.
 *
 * Why a custom scheme rather than file://: file:// pages share one opaque
 * origin with every local file, so a CSP of 'self' would mean "any file on
 * disk". A standard, secure custom scheme gives the bundle its own origin.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'fleetdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Maps an `app://fleetdesk/...` request to a file below `rendererRoot` (inside
 * the asar), or null when it must be refused with 404: another scheme or host,
 * credentials in the URL, undecodable escapes, NUL or backslash, or a path that
 * resolves outside the root however it was spelled (`..`, `%2e%2e`, `..%2f`).
 * `/` means `/index.html`.
 */
export function resolveAppAssetPath(requestUrl: string, rendererRoot: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  // Chromium lowercases a standard scheme's host; Node's parser (tests) keeps it as written.
  if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return null;
  if (url.username !== '' || url.password !== '') return null;
  let path: string;
  try {
    // The URL parser already removed `.`/`..` segments; decoding can produce new ones (`..%2f`).
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (!path.startsWith('/')) path = `/${path}`; // `app://fleetdesk` has an empty path
  if (path.endsWith('/')) path += 'index.html';
  const root = resolve(rendererRoot);
  const file = resolve(root, `.${path}`);
  return file.startsWith(root + sep) ? file : null;
}

export const appAssetContentType = (file: string): string => contentTypeFor(file);
