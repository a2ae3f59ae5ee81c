/** The browser host: serves the built renderer and the operator API to a browser on this machine. */
export * from './browser-host.server';
export * from './browser-host.runner';
export { API_PATH, browserHostCsp, tokenCookieName } from './request-guard';
