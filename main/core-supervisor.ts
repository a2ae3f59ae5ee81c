import { utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { isCoreToShell, type ShellToCore } from '../app/host-electron';
import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy';

export interface CoreSupervisorOptions {
  /** The bundled utility-process entry (see main/README.md). */
  readonly entry: string;
  /** Passed to the entry's argv: `--server`, `--profile`. */
  readonly args: readonly string[];
  /** The replica key (resolved with safeStorage), sent first to every core process forked. */
  readonly key: Extract<ShellToCore, { type: 'key' }>;
  readonly policy?: RestartPolicy;
  /** The core runs again after a crash: windows must ask for new ports. */
  readonly onRestarted: () => void;
  /** Crash loop: stop trying and tell the operator why. */
  readonly onGaveUp: (lastError: string) => void;
}

export interface CoreSupervisor {
  /** Hands one window's port to the running core; closed at once if none is running. */
  connect(port: MessagePortMain): void;
  /** Asks the core to close (sessions, sync loops, replica), then kills it after 5 s. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Owns the core's utility process: forks it, restarts it on a crash with the
 * restart policy's back-off, and shuts it down gracefully on quit. The main
 * process never touches SQLite or the network itself.
 */
export function startCoreSupervisor(options: CoreSupervisorOptions): CoreSupervisor {
  const crashes: number[] = [];
  let child: UtilityProcess | null = null;
  let lastError = 'The core process exited unexpectedly.';
  let stopping = false;

  const spawn = (): void => {
    const proc = utilityProcess.fork(options.entry, [...options.args], {
      serviceName: 'Fleetdesk core',
      stdio: 'inherit',
    });
    child = proc;
    // Messages are ordered: the core has its key before any window's connect.
    proc.postMessage(options.key);
    proc.on('message', (message: unknown) => {
      if (isCoreToShell(message) && message.type === 'failed') lastError = message.message;
    });
    proc.on('exit', (code) => {
      if (child === proc) child = null;
      if (stopping) return;
      const now = Date.now();
      crashes.push(now);
      const decision = decideRestart(crashes, now, options.policy ?? DEFAULT_RESTART_POLICY);
      if (decision.action === 'give-up') {
        options.onGaveUp(`${lastError} (exit code ${code}, ${decision.crashesInWindow} crashes)`);
        return;
      }
      setTimeout(() => {
        if (stopping) return;
        spawn();
        options.onRestarted();
      }, decision.delayMs);
    });
  };
  spawn();

  return {
    connect(port: MessagePortMain): void {
      if (child === null) {
        port.close();
        return;
      }
      child.postMessage({ type: 'connect' }, [port]);
    },
    shutdown(): Promise<void> {
      stopping = true;
      const proc = child;
      if (proc === null) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          proc.kill();
        }, SHUTDOWN_GRACE_MS);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.postMessage({ type: 'shutdown' });
      });
    },
  };
}
