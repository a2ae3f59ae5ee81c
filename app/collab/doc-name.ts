/**
 * Names of the collaborative documents the sync server serves (see sync-server/yjs/README.md):
 * `board/<region>/<yyyy-mm-dd>`, `dispatch/<region>/<yyyy-mm-dd>`, `status/<region>`.
 * The server answers any other name with 404 before the upgrade, which the stock provider
 * would retry forever; checking here turns that into an immediate, readable error.
 */
const DAILY_DOC = /^(board|dispatch)\/[a-z0-9-]{1,32}\/(\d{4})-(\d{2})-(\d{2})$/;
const STATUS_DOC = /^status\/[a-z0-9-]{1,32}$/;

export function isDocName(name: string): boolean {
  if (STATUS_DOC.test(name)) return true;
  const m = DAILY_DOC.exec(name);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[2]), Number(m[3]), Number(m[4])];
  // The regex accepts 2024-02-31; the server does not.
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * The Yjs endpoint for a sync server address: `http(s)://host:port` (HostConfig.syncServerUrl)
 * becomes `ws(s)://host:port/yjs`; a `ws(s)://` URL is taken as the endpoint itself.
 * Throws on anything else.
 */
export function yjsEndpoint(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return url.href.replace(/\/+$/, '');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Sync server URL must be http(s) or ws(s), got ${url.protocol}`);
  }
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}/yjs`;
}
