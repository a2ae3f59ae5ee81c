/** Which names are documents: one definition, shared with the server (domain/protocol). */
export { isDocName } from '../../domain/protocol';

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
