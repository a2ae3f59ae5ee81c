/**
 * The whole product minus the Electron shell, as real processes: the sync
 * server (CLI), the browser host with the desktop core (CLI), and Debian's
 * Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';

export const REPO = resolve(import.meta.dirname, '../..');

export interface DeskProcess {
  readonly url: string;
  readonly profileDir: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `npm run start:browser` (the browser host + desktop core) for one operator profile. */
export async function startDesk(
  serverUrl: string,
  profileDir = mkdtempSync(join(tmpdir(), 'fleetdesk-e2e-desk-')),
): Promise<DeskProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'app/host-browser/cli.ts'),
      '--port',
      '0',
      '--server',
      serverUrl,
      '--profile',
      profileDir,
    ],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`browser host did not start\n${stderr}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open\s+(http\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once('exit', () => rej(new Error(`browser host exited during start\n${stderr}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    profileDir,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ],
  });
}

/** Everything one scenario needs; `close()` tears down in reverse order and removes temp dirs. */
export class Stack {
  readonly cleanups: (() => Promise<void> | void)[] = [];
  server!: ServerProcess;
  browser!: Browser;
  private data = tempDataDir();

  static async start(
    serverArgs: string[] = [],
    options: { simulate?: boolean } = {},
  ): Promise<Stack> {
    const stack = new Stack();
    stack.cleanups.push(() => stack.data.cleanup());
    stack.server = await startServerProcess(stack.data.dir, serverArgs, 0, options);
    stack.cleanups.push(() => void stack.server.child.kill('SIGKILL'));
    stack.browser = await launchChromium();
    stack.cleanups.push(() => stack.browser.close());
    return stack;
  }

  /** Stops the sync server (SIGTERM, drained) — "the backend is down". */
  async stopServer(): Promise<void> {
    this.server.child.kill('SIGTERM');
    await this.server.exited;
  }

  /** Starts the sync server again on the same port and data. */
  async restartServer(
    serverArgs: string[] = [],
    options: { simulate?: boolean } = {},
  ): Promise<void> {
    const port = this.server.port;
    this.server = await startServerProcess(this.data.dir, serverArgs, port, options);
    this.cleanups.push(() => void this.server.child.kill('SIGKILL'));
  }

  /** A desk (browser host + core) and a page signed in as the given user. */
  async desk(
    user: string,
    role: 'agent' | 'fleet-manager' | 'supervisor',
    /** Another way to the server (a TcpProxy the test can cut); default: straight to it. */
    serverUrl = this.server.url,
  ): Promise<{ desk: DeskProcess; page: Page }> {
    const desk = await startDesk(serverUrl);
    this.cleanups.push(() => desk.stop());
    this.cleanups.push(() => rmSync(desk.profileDir, { recursive: true, force: true }));
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(desk.url);
    await page.getByLabel('Access token').fill(this.server.token(user, role));
    await page.getByRole('button', { name: 'Sign in' }).click();
    return { desk, page };
  }

  /** Sandbox gateway fault injection (as a supervisor): 'down', 'flaky' or 'none'. */
  gatewayFaults(mode: string): Promise<{ status: number; body: unknown }> {
    return this.server.api('/api/admin/gateway-faults', {
      method: 'PUT',
      token: this.server.token('sup-1', 'supervisor'),
      body: { mode },
    });
  }

  async close(): Promise<void> {
    for (const c of this.cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort: keep tearing down
      }
    }
  }
}
