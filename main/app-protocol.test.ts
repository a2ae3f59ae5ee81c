import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appAssetContentType, APP_ENTRY_URL, resolveAppAssetPath } from './app-protocol';

const ROOT = resolve('/opt/Fleetdesk/resources/app.asar/renderer/dist');

describe('app:// asset resolver', () => {
  it.each([
    [APP_ENTRY_URL, join(ROOT, 'index.html')],
    ['app://fleetdesk/', join(ROOT, 'index.html')],
    ['app://fleetdesk', join(ROOT, 'index.html')],
    ['app://fleetdesk/assets/index-abc.js?v=1#x', join(ROOT, 'assets', 'index-abc.js')],
    ['app://FLEETDESK/assets/a%20b.css', join(ROOT, 'assets', 'a b.css')],
    ['app://fleetdesk/assets/../index.html', join(ROOT, 'index.html')],
  ])('%s → %s', (url, file) => {
    expect(resolveAppAssetPath(url, ROOT)).toBe(file);
  });

  it.each([
    'app://fleetdesk/..%2f..%2fpackage.json',
    'app://fleetdesk/assets/%2e%2e%2f%2e%2e%2fmain.js',
    'app://fleetdesk/..%5c..%5cpackage.json',
    'app://fleetdesk/x%00.js',
    'app://fleetdesk/%zz',
    'app://other/index.html',
    'app://user:pw@fleetdesk/index.html',
    'file:///etc/passwd',
    'https://fleetdesk/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppAssetPath(url, ROOT)).toBeNull();
  });

  it('keeps dot segments inside the root (the URL parser resolves them first)', () => {
    // `app://fleetdesk/../../etc/passwd` parses to `/etc/passwd` below the root, never above it.
    const file = resolveAppAssetPath('app://fleetdesk/../../etc/passwd', ROOT);
    expect(file).toBe(join(ROOT, 'etc', 'passwd'));
    expect(resolveAppAssetPath('app://fleetdesk/%2e%2e/%2e%2e/etc/passwd', ROOT)).toBe(file);
  });

  it('names content types and falls back to opaque bytes', () => {
    expect(appAssetContentType('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(appAssetContentType('/x/worker.MJS')).toBe('text/javascript; charset=utf-8');
    expect(appAssetContentType('/x/blob.bin')).toBe('application/octet-stream');
  });
});
