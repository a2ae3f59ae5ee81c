/**
 * A server under test, running as a child process of the benchmark so that it has its own event
 * loop (and, on a 2-core machine, its own core) apart from the load-generating clients.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const READY = /listening http:\/\/127\.0\.0\.1:(\d+)/;
const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks.

/** Every child still alive; killed synchronously if the benchmark process exits for any reason. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class ServerProcess {
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<void>;
  private stderrTail = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    const gone = child.exitCode !== null || child.signalCode !== null;
    if (gone) this.exitCode = child.exitCode;
    this.exited = new Promise((resolve) => {
      if (gone) resolve();
      else
        child.once('exit', (code) => {
          this.exitCode = code;
          live.delete(child);
          resolve();
        });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
  }

  /** Spawns `node <args>` (cwd = repo root) and resolves once it prints its listening line. */
  static async start(
    name: string,
    args: readonly string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<ServerProcess> {
    const child = spawn(process.execPath, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`${name}: no listening line within ${options.timeoutMs ?? 20_000} ms`));
      }, options.timeoutMs ?? 20_000);
      const onData = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-4000);
        const match = READY.exec(output);
        if (match?.[1] !== undefined) {
          cleanup();
          resolve(Number(match[1]));
        }
      };
      const onExit = (code: number | null): void => {
        fail(new Error(`${name} exited (${String(code)}) before listening:\n${output}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.off('exit', onExit);
      };
      const fail = (error: Error): void => {
        cleanup();
        child.kill('SIGKILL');
        reject(error);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', onExit);
    });
    // Keep draining stdout so a chatty child never blocks on a full pipe.
    child.stdout.resume();
    return new ServerProcess(name, child, port);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Last lines the child wrote to stderr (for error reports). */
  get stderr(): string {
    return this.stderrTail;
  }

  /** User + system CPU time the child has used so far, in ms (Linux /proc; NaN elsewhere). */
  cpuMs(): number {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    } catch {
      return Number.NaN;
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** CPU time the whole machine has been busy (all cores, incl. steal), in ms; NaN off Linux. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (a, b) => a + (b ?? 0),
      0,
    );
    return (busy * 1000) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** The fleetdesk sync server as the fan-out benchmarks run it: its real CLI, empty data, quiet. */
export const fleetdeskServeArgs = (dataDir: string): string[] => [
  'sync-server/cli/main.ts',
  'serve',
  '--port',
  '0',
  '--data',
  dataDir,
  '--no-seed',
  '--no-simulate',
  '--log-level',
  'warn',
];
