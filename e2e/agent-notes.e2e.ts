import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { serverRecords } from './pages/server-records';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

it('two agents write notes on the same delivery, one while offline, and both desks converge', async () => {
  const token = stack.server.token('agent-1', 'agent');
  const records = await serverRecords(stack.server, token);
  const delivery = records.find((r) => r.kind === 'delivery');
  const tag = (delivery?.body['parcel'] as { tag: string } | undefined)?.tag;
  if (!tag) throw new Error('no delivery on the server');

  const a = new AgentPage((await stack.desk('agent-1', 'agent')).page);
  const b = new AgentPage((await stack.desk('agent-2', 'agent')).page);
  for (const agent of [a, b]) {
    await agent.ready(tag);
    await agent.find(tag, new RegExp(tag));
    await agent.page.getByRole('heading', { name: `Delivery ${tag}` }).waitFor();
  }

  await stack.stopServer();
  await a.addNote('Customer asked to leave the parcel with the neighbour (offline note)');
  await expect
    .poll(() => a.notes(), { timeout: 15_000 })
    .toEqual([expect.stringContaining('(offline note)')]);
  // The card-number guard refuses a note with a card number, and says why.
  await a.addNote('card 4242 4242 4242 4242');
  await expect
    .poll(() => a.page.getByRole('form', { name: 'Add note' }).getByRole('alert').textContent())
    .toMatch(/card/i);

  await stack.restartServer();
  await b.addNote('Called back: neighbour confirmed (online note)');
  for (const agent of [a, b]) {
    await expect
      .poll(async () => (await agent.notes()).join('\n'), { timeout: 60_000 })
      .toMatch(/offline note[\s\S]*online note|online note[\s\S]*offline note/);
  }
  expect(await a.notes()).toEqual(await b.notes());
  expect((await a.notes()).join('\n')).toContain('agent-1');
  expect((await a.notes()).join('\n')).toContain('agent-2');
}, 180_000);
