import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, placeholderPage, resolveStaticPath } from './static-files';

const ROOT = resolve('/srv/dist');

describe('resolveStaticPath', () => {
  it.each([
    ['/', join(ROOT, 'index.html')],
    ['/assets/app.js', join(ROOT, 'assets', 'app.js')],
    ['/assets/', join(ROOT, 'assets', 'index.html')],
    ['/a%20b.js', join(ROOT, 'a b.js')],
    ['/assets/../index.html', join(ROOT, 'index.html')],
  ])('%s → %s', (raw, file) => {
    expect(resolveStaticPath(ROOT, raw)).toBe(file);
  });

  it.each([
    '/..',
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..%5cpackage.json',
    '/x%00.js',
    '/%zz',
    'relative.js',
    '',
  ])('refuses %s', (raw) => {
    expect(resolveStaticPath(ROOT, raw)).toBeNull();
  });

  it('does not treat a sibling folder sharing the prefix as inside', () => {
    expect(resolveStaticPath(ROOT, '/../dist-other/x.js')).toBeNull();
  });
});

describe('content types and placeholder', () => {
  it('names the types a Vite build emits and falls back to opaque bytes', () => {
    expect(contentTypeFor('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('a.exe')).toBe('application/octet-stream');
  });

  it('escapes the folder name in the placeholder page', () => {
    expect(placeholderPage('/tmp/<b>')).toContain('/tmp/&#60;b&#62;');
  });
});
