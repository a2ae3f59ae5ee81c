import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserHost, type BrowserHost } from './browser-host.server';
import { fakeOperatorCore, type FakeOperatorCore } from './test-support/fake-operator-core';

// Real HTTP and real WebSockets on a free loopback port, against a fake core.
let root: string;
let staticDir: string;
let core: FakeOperatorCore;
let host: BrowserHost;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleetdesk-host-'));
  staticDir = join(root, 'dist');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET');
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Fleetdesk</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(staticDir, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(staticDir, 'assets', 'logo.svg'), '<svg/>');
  symlinkSync(join(root, 'secret.txt'), join(staticDir, 'escape.txt'));
  core = fakeOperatorCore();
  host = await startBrowserHost({
    core,
    host: '127.0.0.1',
    port: 0,
    staticDir,
    token: 't'.repeat(32),
  });
});

afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

afterAll(async () => {
  await host.close();
  rmSync(root, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (no client-side normalization). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const authed = (): Record<string, string> => ({
  Cookie: `fleetdesk_token_${host.port}=${host.token}`,
});

/** Opens a socket; resolves when open, rejects with the HTTP status of a refused handshake. */
function connect(query = `?token=${host.token}`, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api${query}`, options);
  sockets.push(ws);
  const frames: unknown[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString('utf8')));
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (): Promise<unknown> => {
    while (frames.length === 0) await new Promise<void>((r) => waiters.push(r));
    return frames.shift();
  };
  const call = async (id: number, method: string, payload: unknown = {}): Promise<unknown> => {
    ws.send(JSON.stringify({ id, method, payload }));
    return next();
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, opened, closed, next, call };
}

describe('HTTP', () => {
  it('refuses requests without the right token (401) and still sends the security headers', async () => {
    for (const path of ['/', '/?token=wrong', '/assets/app.js']) {
      const reply = await get(path);
      expect(reply.status).toBe(401);
      expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('trades the URL token for an HttpOnly cookie and redirects to a clean URL', async () => {
    const reply = await get(`/?token=${host.token}`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    expect(reply.headers['set-cookie']?.[0]).toMatch(
      new RegExp(`^fleetdesk_token_${host.port}=${host.token}; Path=/; HttpOnly; SameSite=Strict$`),
    );
  });

  it('serves the renderer with content types, CSP and hardening headers', async () => {
    const page = await get('/', authed());
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Fleetdesk</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain(
      `connect-src 'self' ws://127.0.0.1:${host.port} ws://localhost:${host.port}`,
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await get('/assets/app.js', authed())).headers['content-type']).toMatch(
      /^text\/javascript/,
    );
    expect((await get('/assets/app.css', authed())).headers['content-type']).toMatch(/^text\/css/);
    expect((await get('/assets/logo.svg', authed())).headers['content-type']).toBe('image/svg+xml');
    // A query token also works for assets (non-browser clients), without a redirect.
    expect((await get(`/assets/app.js?token=${host.token}`)).status).toBe(200);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/assets/app.js', authed(), 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '14']);
    expect((await get('/', authed(), 'POST')).status).toBe(405);
    expect((await get('/nope.js', authed())).status).toBe(404);
  });

  it.each(['evil.example', 'evil.example:4180', '127.0.0.1', '127.0.0.1:1'])(
    'refuses a foreign Host header %s with 403 (DNS rebinding)',
    async (foreign) => {
      const reply = await get('/', { ...authed(), Host: foreign });
      expect(reply.status).toBe(403);
    },
  );

  it('accepts localhost:<port> as well as 127.0.0.1:<port>', async () => {
    expect((await get('/', { ...authed(), Host: `localhost:${host.port}` })).status).toBe(200);
  });

  it.each([
    '/../secret.txt',
    '/../package.json',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt',
    '/escape.txt',
    '/%00',
    '/%E0%A4%A',
  ])('refuses path traversal %s', async (path) => {
    const reply = await get(path, authed());
    expect([400, 404]).toContain(reply.status);
    expect(reply.body).not.toContain('TOP-SECRET');
  });

  it('shows a placeholder page when the renderer is not built yet', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fleetdesk-empty-'));
    const bare = await startBrowserHost({ core: fakeOperatorCore(), port: 0, staticDir: empty });
    try {
      const reply = await new Promise<Reply>((resolve, reject) => {
        request(`${bare.origin}/?token=${bare.token}`, { headers: {} }, (res) => {
          // Follow the sign-in redirect with the cookie it set.
          const cookie = String(res.headers['set-cookie']?.[0]).split(';')[0] ?? '';
          res.resume();
          request(`${bare.origin}/`, { headers: { Cookie: cookie } }, (page) => {
            let body = '';
            page.on('data', (c: Buffer) => (body += c.toString()));
            page.on('end', () =>
              resolve({ status: page.statusCode ?? 0, headers: page.headers, body }),
            );
          })
            .on('error', reject)
            .end();
        })
          .on('error', reject)
          .end();
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toContain('The Fleetdesk UI is not built yet');
      expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('operator API socket', () => {
  it('refuses a wrong or missing token with 401', async () => {
    await expect(connect('?token=wrong').opened).rejects.toThrow('HTTP 401');
    await expect(connect('').opened).rejects.toThrow('HTTP 401');
  });

  it('refuses a foreign Host header and a foreign Origin with 403', async () => {
    const foreignHost = connect(undefined, { headers: { Host: 'evil.example' } });
    await expect(foreignHost.opened).rejects.toThrow('HTTP 403');
    const foreignOrigin = connect(undefined, { origin: 'http://evil.example' });
    await expect(foreignOrigin.opened).rejects.toThrow('HTTP 403');
    const nullOrigin = connect(undefined, { origin: 'null' });
    await expect(nullOrigin.opened).rejects.toThrow('HTTP 403');
  });

  it('accepts the page origin with the cookie alone (the browser flow)', async () => {
    const c = connect('', { origin: host.origin, headers: authed() });
    await c.opened;
    expect(await c.call(1, 'session.get')).toEqual({
      id: 1,
      ok: true,
      value: { method: 'session.get', input: {} },
    });
  });

  it('round-trips a valid call', async () => {
    const c = connect();
    await c.opened;
    expect(await c.call(7, 'customers.get', { customerId: 'c-42' })).toEqual({
      id: 7,
      ok: true,
      value: { method: 'customers.get', input: { customerId: 'c-42' } },
    });
  });

  it('answers unknown methods and malformed frames with error frames and keeps serving', async () => {
    const c = connect();
    await c.opened;
    expect(await c.call(1, 'fs.readFile', { path: '/etc/passwd' })).toMatchObject({
      id: 1,
      ok: false,
      error: { code: 'API.UNKNOWN_METHOD' },
    });
    c.ws.send('{not json');
    expect(await c.next()).toMatchObject({ id: null, error: { code: 'API.BAD_FRAME' } });
    c.ws.send('{"method":"session.get"}');
    expect(await c.next()).toMatchObject({ id: null, error: { code: 'API.BAD_FRAME' } });
    c.ws.send(Buffer.from('{"id":3,"method":"session.get"}'), { binary: true });
    expect(await c.next()).toMatchObject({ id: null, error: { code: 'API.BAD_FRAME' } });
    expect(await c.call(4, 'customers.get', { customerId: '../etc' })).toMatchObject({
      id: 4,
      error: { code: 'API.INVALID_INPUT' },
    });
    expect(await c.call(5, 'session.get')).toMatchObject({ id: 5, ok: true });
  });

  it('closes only the socket that sent a frame over 256 KiB (1009)', async () => {
    const big = connect();
    const other = connect();
    await Promise.all([big.opened, other.opened]);
    big.ws.send(
      JSON.stringify({ id: 1, method: 'notes.add', payload: { text: 'x'.repeat(300_000) } }),
    );
    expect(await big.closed).toBe(1009);
    expect(await other.call(2, 'session.get')).toMatchObject({ id: 2, ok: true });
  });

  it('pushes core events to every connected client and unsubscribes on close', async () => {
    // Sockets of earlier tests are terminated client-side; wait until the host has seen that.
    await expect.poll(() => core.subscribers()).toBe(0);
    const a = connect();
    const b = connect();
    await Promise.all([a.opened, b.opened]);
    core.emit('collab.changed', { deliveryId: 'd-9' });
    const expected = { event: 'collab.changed', payload: { deliveryId: 'd-9' } };
    expect(await a.next()).toEqual(expected);
    expect(await b.next()).toEqual(expected);
    expect(core.subscribers()).toBe(2);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
    await expect.poll(() => core.subscribers()).toBe(0);
  });

  it('closes open sockets with 1001 when the host stops, without closing the core', async () => {
    const own = fakeOperatorCore();
    const other = await startBrowserHost({ core: own, port: 0, staticDir });
    const ws = new WebSocket(`ws://127.0.0.1:${other.port}/api?token=${other.token}`);
    await new Promise((r) => ws.once('open', r));
    expect(other.connections()).toBe(1);
    const code = new Promise<number>((r) => ws.once('close', r));
    await other.close();
    expect(await code).toBe(1001);
    expect(own.closed()).toBe(false);
    expect(own.subscribers()).toBe(0);
  });
});
