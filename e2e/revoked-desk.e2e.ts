/**
 * A desk revoked while it was cut off from the server, as its operator sees it in Chromium:
 * a note written offline, the desk revoked with the CLI, the server back — the desk reports
 * what it still had, removes its data and shows why on the sign-in page.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { serverRecords } from './pages/server-records';
import { REPO, Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

const NOTE = 'Parcel left behind the blue gate (written offline)';

it('a revoked desk removes its data, reports the offline note it could not send, and tells the operator why', async () => {
  const boss = stack.server.token('boss', 'supervisor');
  const records = await serverRecords(stack.server, boss);
  const tag = (
    records.find((r) => r.kind === 'delivery')?.body['parcel'] as { tag?: string } | undefined
  )?.tag;
  if (!tag) throw new Error('no delivery on the server');
  const { desk, page } = await stack.desk('agent-e1', 'agent');
  const agent = new AgentPage(page);
  await agent.ready(tag);
  await agent.find(tag, new RegExp(tag));
  await page.getByRole('heading', { name: `Delivery ${tag}` }).waitFor();
  const seen = await stack.server.api('/api/admin/access', { token: boss });
  const deskId = (seen.body as { desks: { deskId: string; userId: string }[] }).desks.find(
    (d) => d.userId === 'agent-e1',
  )?.deskId;
  if (!deskId) throw new Error('the desk never refreshed an access token');

  // Cut off: the note stays on the desk. Meanwhile an administrator revokes the desk.
  await stack.stopServer();
  await agent.addNote(NOTE);
  await page.getByText(NOTE).waitFor();
  const cli = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'sync-server/cli/main.ts', 'revoke', '--data', stack.server.dataDir].concat(
      ['--desk', deskId, '--reason', 'Laptop reported stolen'],
    ),
    { cwd: REPO, encoding: 'utf8' },
  );
  expect(cli.stdout).toContain(`revoked desk ${deskId}`);
  await stack.restartServer();

  // What the operator sees: the sign-in page, with why the desk is empty.
  const notice = page.getByRole('alert');
  await expect
    .poll(async () => notice.textContent(), { timeout: 60_000 })
    .toMatch(
      /This desk was revoked by an administrator on .+ \(Laptop reported stolen\)\. Its data was removed from this computer; 0 unsent change\(s\) and [1-9]\d* note edit\(s\) were reported to the server as not done\./,
    );
  await page.getByLabel('Access token').waitFor();
  expect(await page.getByText(/Data on this computer:/).textContent()).toMatch(
    /no data on this computer \(this desk was revoked\)/,
  );
  expect(await agent.search.count()).toBe(0);

  // The data is gone: replica, search file, WALs, Yjs documents (in the replica) and the key;
  // what is left holds neither the note nor the delivery.
  for (const f of ['replica.sqlite', 'replica.sqlite-wal', 'replica.search.sqlite', 'replica.key'])
    expect(existsSync(join(desk.profileDir, f))).toBe(false);
  for (const f of readdirSync(desk.profileDir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const bytes = readFileSync(join(f.parentPath, f.name), 'latin1');
    expect(bytes).not.toContain('blue gate');
    expect(bytes).not.toContain(tag);
  }

  // The server recorded what the desk could not send, and the note never arrived.
  const losses = await stack.server.api(`/api/admin/access/losses?desk=${deskId}`, {
    token: boss,
  });
  const reports = (losses.body as { reports: { report: { unsentDocumentEdits: number } }[] })
    .reports;
  expect(reports).toHaveLength(1);
  expect(reports[0]?.report.unsentDocumentEdits).toBeGreaterThan(0);

  // A reload keeps the notice (it is on disk, not in the page), and the desk stays empty.
  await page.reload();
  await expect
    .poll(async () => page.getByRole('alert').textContent(), { timeout: 30_000 })
    .toMatch(/Laptop reported stolen/);
  expect(existsSync(join(desk.profileDir, 'replica.sqlite'))).toBe(false);

  // Someone else's valid token does not sign in on it either; the page says why.
  await page.getByLabel('Access token').fill(stack.server.token('agent-9', 'agent'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('form', { name: 'Sign in' }).getByRole('alert').textContent())
    .toMatch(/nobody can sign in on it again/);
  expect(existsSync(join(desk.profileDir, 'replica.sqlite'))).toBe(false);
});
