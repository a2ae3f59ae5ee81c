/**
 * The deployment of one scale-out process-test file: instances (the operators' CLI), HAProxy in
 * front, tokens from the deployment's key ring, the test's notes clients, and the teardown of
 * all of it after the file (clients, then instances, then whatever the file deferred, newest
 * first). Also the checks the instance-loss tests share: convergence and the final tallies.
 */
import { afterAll } from 'vitest';
import type { Role } from '../../../domain/protocol';
import {
  api,
  clusterTokens,
  startHaproxy,
  startInstance,
  type ClusterOptions,
  type Haproxy,
} from '../../test-support/cluster-harness';
import { eventually, tempDataDir, type ServerProcess } from '../../test-support/server-process';
import { notesClient, tally, type NotesClient } from './cluster-load';

/**
 * Every background job of a scale-out deployment, each under its own lease (one holder at a
 * time); `drone-simulator` only where the simulator is on. One list for the cluster tests, so a
 * new job is counted everywhere at once.
 */
export const LEASED_JOBS = [
  'audit-pruner',
  'drone-simulator',
  'feed-pruner',
  'payment-sweep',
  'region-status',
  'yjs-compaction',
] as const;

export class ClusterFixture {
  readonly data = tempDataDir();
  instances: ServerProcess[] = [];
  readonly clients: NotesClient[] = [];
  #haproxy: Haproxy | undefined;
  #token: ((user: string, role: Role) => string) | undefined;
  readonly #cleanups: (() => Promise<void> | void)[] = [];

  /** Call at the top of a test file: registers the file's afterAll teardown. */
  constructor() {
    afterAll(() => this.#teardown());
  }

  get haproxy(): Haproxy {
    if (!this.#haproxy) throw new Error('cluster not started');
    return this.#haproxy;
  }

  token(user: string, role: Role): string {
    if (!this.#token) throw new Error('cluster not started');
    return this.#token(user, role);
  }

  defer(cleanup: () => Promise<void> | void): void {
    this.#cleanups.push(cleanup);
  }

  /**
   * One instance per port (`together`: all at once, so migrations and the seed race; otherwise
   * one after another, less peak load), then HAProxy over them; tokens are signed with the key
   * ring in `tokenStorage` (default: the instances' own storage URL).
   */
  async start(
    options: ClusterOptions,
    ports: readonly number[],
    { together = false, tokenStorage = options.storage } = {},
  ): Promise<void> {
    if (together)
      this.instances = await Promise.all(
        ports.map((p, i) => startInstance(options, p, this.instanceDir(i))),
      );
    else
      for (const [i, p] of ports.entries())
        this.instances.push(await startInstance(options, p, this.instanceDir(i)));
    const haproxy = await startHaproxy(ports);
    this.#haproxy = haproxy;
    this.defer(() => haproxy.stop());
    this.#token = await clusterTokens(tokenStorage);
  }

  /** Where instance `i` keeps its (unused in scale-out) data dir; a restart reuses it. */
  instanceDir(i: number): string {
    return `${this.data.dir}/i${i}`;
  }

  /** A notes client on `wsBase`, destroyed at teardown. */
  client(wsBase: string, user: string): NotesClient {
    const c = notesClient(wsBase, this.token(user, 'agent'));
    this.clients.push(c);
    return c;
  }

  /** Resolves with the ms since `since` once every client holds every id in `written`. */
  converged(written: readonly string[], since = Date.now()): Promise<number> {
    return eventually(
      () =>
        this.clients.every((c) => tally(written, c.ops.toArray()).lost === 0)
          ? Date.now() - since
          : undefined,
      30_000,
      'clients to converge',
    );
  }

  /** What a client that joins now finds of `written`: lost and duplicated ids. */
  async freshTally(wsBase: string, written: readonly string[]): Promise<ReturnType<typeof tally>> {
    const fresh = this.client(wsBase, 'agent-check');
    await eventually(() => (fresh.provider.synced ? true : undefined), 10_000, 'fresh client');
    return tally(written, fresh.ops.toArray());
  }

  /** Waits until every command in `keys` is done (through HAProxy); their status bodies. */
  commandsDone(keys: readonly string[], token: string): Promise<{ status?: string }[]> {
    return eventually(
      async () => {
        const all = await Promise.all(
          keys.map(
            async (k) =>
              (await api(this.haproxy.url, `/api/commands/${k}`, { token })).body as {
                status?: string;
              },
          ),
        );
        return all.every((s) => s.status === 'done') ? all : undefined;
      },
      30_000,
      'payment changes to finish',
    );
  }

  async #teardown(): Promise<void> {
    for (const c of this.clients) c.destroy();
    for (const i of this.instances) i.child.kill('SIGKILL');
    await Promise.all(this.instances.map((i) => i.exited));
    for (const cleanup of this.#cleanups.reverse()) await cleanup();
    this.data.cleanup();
  }
}
