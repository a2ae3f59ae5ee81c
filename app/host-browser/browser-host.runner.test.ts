import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATIC_DIR, parseBrowserHostFlags, runBrowserHost } from './browser-host.runner';
import { fakeOperatorCore } from './test-support/fake-operator-core';

describe('parseBrowserHostFlags', () => {
  it('prefers the flag over the environment over the default', () => {
    const env = { FLEETDESK_BROWSER_PORT: '5000', FLEETDESK_STATIC_DIR: '/env/dist' };
    expect(parseBrowserHostFlags(['--port', '6000'], env)).toEqual({
      port: 6000,
      staticDir: resolve('/env/dist'),
    });
    expect(parseBrowserHostFlags(['--static=/flag/dist'], env).staticDir).toBe(
      resolve('/flag/dist'),
    );
    expect(parseBrowserHostFlags([], env).port).toBe(5000);
    expect(parseBrowserHostFlags([], {})).toEqual({ port: 4180, staticDir: DEFAULT_STATIC_DIR });
    expect(DEFAULT_STATIC_DIR).toBe(resolve(import.meta.dirname, '..', '..', 'renderer', 'dist'));
  });

  it.each(['abc', '-1', '70000', '80.5', ''])('refuses port %j', (port) => {
    expect(() => parseBrowserHostFlags(['--port', port], {})).toThrow(/0-65535/);
  });
});

describe('runBrowserHost', () => {
  const env = { FLEETDESK_PROFILE_DIR: '/tmp/fleetdesk-test-profile' };

  it('starts the core with the host config, prints the tokenized URL, and stops both', async () => {
    const core = fakeOperatorCore();
    const configs: unknown[] = [];
    const lines: string[] = [];
    const running = await runBrowserHost(
      (config) => {
        configs.push(config);
        return Promise.resolve(core);
      },
      ['node', 'cli.ts', '--port', '0', '--server', 'http://127.0.0.1:4999'],
      env,
      (line) => lines.push(line),
    );
    expect(configs).toEqual([
      { syncServerUrl: 'http://127.0.0.1:4999', profileDir: '/tmp/fleetdesk-test-profile' },
    ]);
    expect(lines.join('\n')).toContain(running.host.url);
    expect(running.host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    await running.stop();
    expect(core.closed()).toBe(true);
  });

  it('closes the core again and names the flag when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const core = fakeOperatorCore();
    try {
      await expect(
        runBrowserHost(
          () => Promise.resolve(core),
          ['--port', String(port)],
          env,
          () => undefined,
        ),
      ).rejects.toThrow(/in use; pass --port/);
      expect(core.closed()).toBe(true);
    } finally {
      blocker.close();
    }
  });
});
