import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { ProfileKeyStore } from '../keystore';

/** Default address of the embedded sync server (`npm run sync-server -- serve`). */
export const DEFAULT_SYNC_SERVER_URL = 'http://127.0.0.1:4100';

export interface HostConfig {
  /**
   * The sync server's origin, or several comma-separated (`http://a:4100,http://b:4100`) for a
   * deployment without a load balancer: the desk uses the first and moves to the next when the
   * current one does not answer (`app/net/server-list.ts`).
   */
  readonly syncServerUrl: string;
  /** Directory holding this operator profile's SQLite replica and local state. */
  readonly profileDir: string;
  /** Where the replica's key is kept (default: the browser host's 0600 key file; Electron hands its own). */
  readonly keyStore?: ProfileKeyStore;
}

/**
 * Per-user data directory, following each OS's convention (XDG on Linux,
 * Application Support on macOS, %APPDATA% on Windows).
 */
export function defaultProfileDir(
  env: NodeJS.ProcessEnv = process.env,
  os: NodeJS.Platform = platform(),
  home: string = homedir(),
): string {
  if (os === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'Fleetdesk');
  if (os === 'darwin') return join(home, 'Library', 'Application Support', 'Fleetdesk');
  return join(env['XDG_DATA_HOME'] ?? join(home, '.local', 'share'), 'fleetdesk');
}

/**
 * Both hosts (Electron and browser) take the sync server URL and the profile
 * directory from a flag, else an environment variable, else the defaults.
 * Throws with a readable message on a malformed URL: a host must not start
 * half-configured.
 */
export function resolveHostConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): HostConfig {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const inline = argv.find((a) => a.startsWith(`--${name}=`));
    return inline?.slice(name.length + 3);
  };
  const syncServerUrl = flag('server') ?? env['FLEETDESK_SERVER_URL'] ?? DEFAULT_SYNC_SERVER_URL;
  const origins = syncServerUrl.split(',').map((one) => {
    let parsed: URL;
    try {
      parsed = new URL(one.trim());
    } catch {
      throw new Error(`--server / FLEETDESK_SERVER_URL is not a URL: ${JSON.stringify(one)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`--server must be an http(s) URL, got ${parsed.protocol}`);
    }
    return parsed.origin;
  });
  const profileDir = flag('profile') ?? env['FLEETDESK_PROFILE_DIR'] ?? defaultProfileDir(env);
  return { syncServerUrl: origins.join(','), profileDir };
}
