import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface KeyringProbe {
  readonly found: boolean;
  /** What was looked for and seen, for the host's start-up line and the README. */
  readonly detail: string;
}

const onPath = (tool: string, env: NodeJS.ProcessEnv): boolean =>
  (env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));

/**
 * Is there an OS keyring the browser host could keep the key in? On Linux that
 * is a Secret Service (GNOME Keyring, KWallet) on the session D-Bus, reached
 * with `secret-tool`; macOS always has the Keychain and Windows DPAPI. Only
 * detected: the browser host keeps its key in a 0600 file either way and says
 * which it found, rather than claim a protection it does not give.
 */
export function detectOsKeyring(
  env: NodeJS.ProcessEnv = process.env,
  os: NodeJS.Platform = process.platform,
): KeyringProbe {
  if (os === 'darwin') return { found: true, detail: 'macOS Keychain' };
  if (os === 'win32') return { found: true, detail: 'Windows DPAPI' };
  const bus = env['DBUS_SESSION_BUS_ADDRESS'];
  if (!bus) return { found: false, detail: 'no D-Bus session bus, so no Secret Service' };
  if (!onPath('secret-tool', env))
    return { found: false, detail: 'D-Bus session found, but no secret-tool (libsecret) on PATH' };
  return { found: true, detail: 'Secret Service on the D-Bus session (secret-tool)' };
}
