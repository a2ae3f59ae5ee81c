import { readFile } from 'node:fs/promises';
import { BrowserWindow, protocol, type Session, type WebContents } from 'electron';
import {
  appAssetContentType,
  APP_ENTRY_URL,
  APP_ORIGIN,
  resolveAppAssetPath,
} from './app-protocol';
import { isAllowedNavigation, RENDERER_CSP } from './security/navigation-policy';

/** Headers on every app:// response (the CSP is also enforced via onHeadersReceived). */
const ASSET_HEADERS = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
} as const;

/**
 * Serves the renderer bundle from `rendererRoot` (inside the asar) on
 * app://fleetdesk/. Anything outside the root, another host, or a missing file
 * is a 404. Files are read with fs, which Electron's asar support covers.
 */
export function registerAppProtocol(scheme: string, rendererRoot: string): void {
  protocol.handle(scheme, async (request) => {
    const file = resolveAppAssetPath(request.url, rendererRoot);
    if (file === null) return new Response('Not found', { status: 404, headers: ASSET_HEADERS });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { ...ASSET_HEADERS, 'Content-Type': appAssetContentType(file) },
      });
    } catch {
      return new Response('Not found', { status: 404, headers: ASSET_HEADERS });
    }
  });
}

/**
 * Session-wide hardening: the renderer CSP on every response, and every
 * permission (camera, geolocation, notifications, …) denied — the operator desk
 * needs none, and a prompt would be an attack surface.
 */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [RENDERER_CSP],
      },
    });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}

/**
 * Applied to every WebContents the app ever creates (`web-contents-created`):
 * no navigation away from the bundle, no new windows, no <webview>.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, APP_ORIGIN)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, APP_ORIGIN)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The operator window: sandboxed, context-isolated, no Node, loading the bundle from app://. */
export async function createAppWindow(preloadPath: string): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Fleetdesk',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    win.show();
  });
  await win.loadURL(APP_ENTRY_URL);
  return win;
}
