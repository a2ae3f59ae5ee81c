/**
 * Hardening decisions for the Electron window, kept free of any `electron`
 * import so they are unit-tested in plain Node (Electron cannot run on CI).
 */

/** Content-Security-Policy for the renderer: own code only, no inline script, no remote fetches. */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // maplibre-gl sets inline styles on its canvas container
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:", // maplibre-gl's tile worker
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The window may only ever show the bundled app. Any other navigation (a link in
 * a note, a redirect, a drag-and-dropped file) is denied.
 */
export function isAllowedNavigation(target: string, appOrigin: string): boolean {
  let url: URL;
  let app: URL;
  try {
    url = new URL(target);
    app = new URL(appOrigin);
  } catch {
    return false;
  }
  // Compare scheme and host rather than URL.origin: for a custom scheme such as
  // app:// the WHATWG origin is the opaque "null", which would match anything opaque.
  return (
    url.protocol === app.protocol &&
    url.host === app.host &&
    url.host !== '' &&
    url.username === '' &&
    url.password === ''
  );
}

/** IPC is accepted only from the app's own top-level frame, never from an iframe or other origin. */
export function isTrustedIpcSender(
  senderUrl: string,
  isMainFrame: boolean,
  appOrigin: string,
): boolean {
  return isMainFrame && isAllowedNavigation(senderUrl, appOrigin);
}
