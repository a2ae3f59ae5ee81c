/**
 * Scale-out end to end: two desks (browser host + core, Chromium) on different instances of a
 * PostgreSQL + Redis deployment share notes; the first desk's instance is SIGKILLed, its
 * HAProxy fails over to the other instance, and both desks keep writing and converge.
 * Desk A reaches the cluster through HAProxy with instance 1 first and instance 2 as backup
 * (so it is on instance 1 until that dies); desk B talks to instance 2 directly.
 */
import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  clusterTokens,
  freePort,
  startHaproxy,
  startInstance,
} from '../sync-server/test-support/cluster-harness';
import { REDIS_URL } from '../sync-server/test-support/local-redis';
import { tempDataDir, type ServerProcess } from '../sync-server/test-support/server-process';
import { throwawayPostgres } from '../sync-server/test-support/throwaway-postgres';
import { AgentPage } from './pages/agent-page';
import { serverRecords } from './pages/server-records';
import { launchChromium, startDesk } from './support/stack';

const pg = throwawayPostgres({ databasePrefix: 'fd_e2e_cluster', schemaPrefix: 'unused' });
const data = tempDataDir();
const cleanups: (() => Promise<void> | void)[] = [];
let instances: ServerProcess[] = [];
let browser: Browser;
let token: Awaited<ReturnType<typeof clusterTokens>>;

beforeAll(async () => {
  const ports = await Promise.all([freePort(), freePort()]);
  const options = {
    storage: pg.url,
    redis: REDIS_URL,
    redisPrefix: `fd-e2e-cluster-${process.pid}-${Date.now()}:`,
  };
  instances = await Promise.all(
    ports.map((p, i) => startInstance(options, p, `${data.dir}/i${i}`)),
  );
  cleanups.push(() => {
    for (const i of instances) i.child.kill('SIGKILL');
    data.cleanup();
  });
  token = await clusterTokens(pg.url);
  browser = await launchChromium();
  cleanups.push(() => browser.close());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch {
      // best effort: keep tearing down
    }
  }
});

async function deskOn(serverUrl: string, user: string): Promise<AgentPage> {
  const desk = await startDesk(serverUrl);
  cleanups.push(() => desk.stop());
  cleanups.push(() => rmSync(desk.profileDir, { recursive: true, force: true }));
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(desk.url);
  await page.getByLabel('Access token').fill(token(user, 'agent'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  return new AgentPage(page);
}

it('two desks on different instances share notes while one instance is killed', async () => {
  const [first, second] = instances;
  if (!first || !second) throw new Error('two instances expected');
  const haproxy = await startHaproxy([first.port, second.port], 1);
  cleanups.push(() => haproxy.stop());
  const records = await serverRecords(second, token('agent-1', 'agent'));
  const tag = (
    records.find((r) => r.kind === 'delivery')?.body['parcel'] as { tag: string } | undefined
  )?.tag;
  if (!tag) throw new Error('no delivery on the server');

  const a = await deskOn(haproxy.url, 'agent-1');
  const b = await deskOn(second.url, 'agent-2');
  for (const agent of [a, b]) {
    await agent.ready(tag);
    await agent.find(tag, new RegExp(tag));
    await agent.page.getByRole('heading', { name: `Delivery ${tag}` }).waitFor();
  }
  await a.addNote('Customer prefers the back door (before the kill)');
  await expect
    .poll(async () => (await b.notes()).join('\n'), { timeout: 30_000 })
    .toContain('before the kill');

  first.child.kill('SIGKILL'); // desk A's instance
  await first.exited;
  await a.addNote('Neighbour will take the parcel (after the kill, desk A)');
  await b.addNote('Drone rerouted to the back door (after the kill, desk B)');
  for (const agent of [a, b]) {
    await expect
      .poll(async () => (await agent.notes()).join('\n'), { timeout: 60_000 })
      .toMatch(/(?=[\s\S]*before the kill)(?=[\s\S]*desk A\))(?=[\s\S]*desk B\))/);
  }
  expect(await a.notes()).toEqual(await b.notes());
}, 180_000);
