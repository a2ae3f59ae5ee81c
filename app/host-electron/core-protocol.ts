/**
 * Control messages between the Electron main process and the core's utility
 * process (over `parentPort`). The operator API itself never passes through
 * main: each window gets its own MessagePort straight to the core, carrying the
 * api-frames protocol of app/host. Pure, shared by both sides.
 */

/** main → core */
export type ShellToCore =
  /** Carries one MessagePort (in `ports[0]`) for one window's operator-API session. */
  | { readonly type: 'connect' }
  /** Close sessions and the core (pending commands stay in the outbox), then exit. */
  | { readonly type: 'shutdown' }
  /**
   * The replica key, resolved by main with safeStorage (only main can use it),
   * sent first after every fork; the core starts only once it has it. 64 hex
   * digits; `protection` says in words how the key is kept.
   */
  | {
      readonly type: 'key';
      readonly key: string;
      readonly level: 'os-keystore' | 'user-file' | 'obfuscated';
      readonly protection: string;
    };

/** core → main */
export type CoreToShell =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed' };

function typeOf(message: unknown): unknown {
  return typeof message === 'object' && message !== null
    ? (message as { type?: unknown }).type
    : undefined;
}

/** Narrows an untrusted message from main; anything else is ignored by the core. */
export function isShellToCore(message: unknown): message is ShellToCore {
  const type = typeOf(message);
  if (type === 'key') {
    const m = message as { key?: unknown; level?: unknown; protection?: unknown };
    return (
      typeof m.key === 'string' &&
      /^[0-9a-f]{64}$/.test(m.key) &&
      (m.level === 'os-keystore' || m.level === 'user-file' || m.level === 'obfuscated') &&
      typeof m.protection === 'string'
    );
  }
  return type === 'connect' || type === 'shutdown';
}

/** Narrows an untrusted message from the core process; anything else is ignored by main. */
export function isCoreToShell(message: unknown): message is CoreToShell {
  const type = typeOf(message);
  if (type === 'failed') return typeof (message as { message?: unknown }).message === 'string';
  return type === 'ready' || type === 'closed';
}

/** IPC channels between preload and main (only the port handshake; never API traffic). */
export const IPC = {
  /** preload → main: "give this window a port to the core". */
  connect: 'fleetdesk:connect',
  /** main → preload: the port (in `event.ports[0]`). */
  port: 'fleetdesk:port',
  /** main → preload: the core restarted; ask for a new port. */
  reconnect: 'fleetdesk:reconnect',
} as const;
