import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHostConfig, type HostConfig, type OperatorCore } from '../host';
import { startBrowserHost, type BrowserHost } from './browser-host.server';

/** How the runner gets a core; `startCore` from app/core fits (its extra config keys are optional). */
export type StartCore = (config: HostConfig) => Promise<OperatorCore>;

export const DEFAULT_BROWSER_PORT = 4180;

/** `renderer/dist` of this checkout, independent of the working directory. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

export interface BrowserHostFlags {
  readonly port: number;
  readonly staticDir: string;
}

/**
 * `--port` / FLEETDESK_BROWSER_PORT (default 4180, 0 = any free port) and
 * `--static` / FLEETDESK_STATIC_DIR (default renderer/dist). The flag wins over
 * the environment. Throws a readable error on a bad port: the host must not
 * start half-configured.
 */
export function parseBrowserHostFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaultStaticDir: string = DEFAULT_STATIC_DIR,
): BrowserHostFlags {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const rawPort = flag('port') ?? env['FLEETDESK_BROWSER_PORT'] ?? String(DEFAULT_BROWSER_PORT);
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(
      `--port / FLEETDESK_BROWSER_PORT must be 0-65535, got ${JSON.stringify(rawPort)}`,
    );
  }
  const staticDir = resolve(flag('static') ?? env['FLEETDESK_STATIC_DIR'] ?? defaultStaticDir);
  return { port, staticDir };
}

export interface RunningBrowserHost {
  readonly host: BrowserHost;
  readonly core: OperatorCore;
  /** Closes the sockets and the listener, then the core (pending commands stay in the outbox). */
  stop(): Promise<void>;
}

/**
 * Starts the core for the configured profile and serves it to the browser.
 * Prints the URL with this run's token. If the listener cannot start (port in
 * use), the core is closed again before the error is rethrown, so no replica
 * is left open.
 */
export async function runBrowserHost(
  startCore: StartCore,
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => {
    console.log(line);
  },
): Promise<RunningBrowserHost> {
  const config = resolveHostConfig(argv, env);
  const flags = parseBrowserHostFlags(argv, env);
  const core = await startCore(config);
  let host: BrowserHost;
  try {
    host = await startBrowserHost({
      core,
      host: '127.0.0.1',
      port: flags.port,
      staticDir: flags.staticDir,
      log: (line) => {
        console.warn(line);
      },
    });
  } catch (error) {
    await core.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `Port ${flags.port} is in use; pass --port or FLEETDESK_BROWSER_PORT (0 = any free port).`,
      );
    }
    throw error;
  }
  const built = existsSync(join(flags.staticDir, 'index.html'));
  print('Fleetdesk browser host');
  print(`  open         ${host.url}`);
  print(`  sync server  ${config.syncServerUrl}`);
  print(`  profile      ${config.profileDir}`);
  if (core.dataProtection) print(`  data         ${core.dataProtection}`);
  print(`  UI           ${flags.staticDir}${built ? '' : ' (not built yet: placeholder page)'}`);
  return {
    host,
    core,
    async stop(): Promise<void> {
      await host.close();
      await core.close();
    },
  };
}
