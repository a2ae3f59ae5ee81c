import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { findPaymentTarget, serverRecord } from './pages/server-records';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

const SCREENSHOTS = new URL('../docs/screenshots/', import.meta.url).pathname;

it('an agent finds a customer, changes the payment method and sees it done — online, then queued while the server is down', async () => {
  const { page } = await stack.desk('agent-1', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-1', 'agent');
  // Online: search → customer → delivery → change → done.
  const online = await findPaymentTarget(stack.server, token, '_ok_');
  await agent.ready(online.customer.name);
  await agent.find(online.customer.email, new RegExp(online.customer.name));
  await page.getByRole('heading', { name: online.customer.name }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}agent-customer.png` });
  await agent.openDelivery(online.deliveryTag);
  await agent.changeMethodTo(online.next.last4);
  expect(
    await page
      .getByText(/The current hold on .* is released and .* is authorized for/)
      .textContent(),
  ).toContain(`ending ${online.next.last4} is authorized for`);
  await page.screenshot({ path: `${SCREENSHOTS}agent-change-payment.png` });
  await agent.submitChange();
  await expect.poll(() => agent.changeStatus(), { timeout: 60_000 }).toContain('Done');
  await expect
    .poll(() => agent.currentMethod(), { timeout: 30_000 })
    .toContain(`ending ${online.next.last4}`);
  const onlineAfter = await serverRecord(stack.server, token, 'payment', online.payment.id);
  const stepsPerChange = onlineAfter.version - online.payment.version;
  expect((onlineAfter.body['method'] as { token: string }).token).toBe(online.next.token);

  // Offline: the command queues, and is applied exactly once when the server is back.
  const offline = await findPaymentTarget(stack.server, token, '_ok_', [online.payment.id]);
  await stack.stopServer();
  await agent.find(offline.customer.email, new RegExp(offline.customer.name));
  await page.getByRole('heading', { name: offline.customer.name }).waitFor();
  await agent.openDelivery(offline.deliveryTag);
  await agent.changeMethodTo(offline.next.last4);
  await agent.submitChange();
  await expect.poll(() => agent.changeStatus(), { timeout: 30_000 }).toContain('Queued');
  expect(await page.getByText(`Switching to`).textContent()).toContain(
    `ending ${offline.next.last4}`,
  );
  const key = await agent.changeKey();

  await stack.restartServer();
  await expect.poll(() => agent.changeStatus(), { timeout: 90_000 }).toContain('Done');
  await expect
    .poll(() => agent.currentMethod(), { timeout: 30_000 })
    .toContain(`ending ${offline.next.last4}`);
  const status = await stack.server.api(`/api/commands/${key}`, { token });
  expect(status.status).toBe(200);
  const truth = await serverRecord(stack.server, token, 'payment', offline.payment.id);
  expect((truth.body['method'] as { token: string }).token).toBe(offline.next.token);
  expect(truth.version - offline.payment.version).toBe(stepsPerChange); // applied once
}, 240_000);

it('a decline by the gateway shows the reason and keeps the original method in force', async () => {
  const { page } = await stack.desk('agent-2', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-2', 'agent');
  const target = await findPaymentTarget(stack.server, token, '_decline_funds_');
  await agent.ready(target.customer.name);
  await agent.find(target.customer.email, new RegExp(target.customer.name));
  await agent.openDelivery(target.deliveryTag);
  await agent.changeMethodTo(target.next.last4);
  await agent.submitChange();
  await expect.poll(() => agent.changeStatus(), { timeout: 60_000 }).toMatch(/Rejected|Failed/);
  const alert = await agent.changeProgress.getByRole('alert').textContent();
  expect(alert).toContain('insufficient funds');
  expect(alert).toContain('original payment method stays in place');
  await expect
    .poll(() => agent.currentMethod(), { timeout: 30_000 })
    .toContain(`ending ${target.current.last4}`);
  const truth = await serverRecord(stack.server, token, 'payment', target.payment.id);
  expect((truth.body['method'] as { token: string }).token).toBe(target.current.token);
}, 180_000);

it('cancelling a delivery before pickup releases its payment hold and locks the payment method', async () => {
  const { page } = await stack.desk('agent-3', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-3', 'agent');
  const target = await findPaymentTarget(stack.server, token, '_ok_', [], ['created', 'scheduled']);
  await agent.ready(target.customer.name);
  await agent.find(target.customer.email, new RegExp(target.customer.name));
  await agent.openDelivery(target.deliveryTag);
  // A first click only asks; "Keep" backs out; the confirmation cancels.
  await page.getByRole('button', { name: 'Cancel delivery' }).click();
  await page.getByRole('button', { name: 'Keep the delivery' }).click();
  await page.getByRole('button', { name: 'Cancel delivery' }).click();
  await page.getByRole('button', { name: 'Yes, cancel the delivery' }).click();
  const progress = page.getByRole('group', { name: 'Cancel delivery', exact: true });
  await expect
    .poll(() => progress.getByRole('status').textContent(), { timeout: 60_000 })
    .toContain('Done');
  const facts = page.getByRole('definition').filter({ hasText: /Released/ });
  await expect.poll(() => facts.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  expect(await page.getByRole('button', { name: 'Change payment method' }).isDisabled()).toBe(true);
  expect(await page.locator('#payment-locked').textContent()).toMatch(
    /cancelled.*nothing will be charged/,
  );
  const truth = await serverRecord(stack.server, token, 'payment', target.payment.id);
  expect(truth.body).toMatchObject({ status: 'released', authorizationId: null });
}, 180_000);

it('while the card company is down, the agent reads why the change waits, and it completes once after recovery', async () => {
  const { page } = await stack.desk('agent-4', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-4', 'agent');
  const supervisor = stack.server.token('sup-1', 'supervisor');
  const faults = (mode: string) =>
    stack.server.api('/api/admin/gateway-faults', {
      method: 'PUT',
      token: supervisor,
      body: { mode },
    });
  const target = await findPaymentTarget(stack.server, token, '_ok_', [], ['created', 'scheduled']);
  await agent.ready(target.customer.name);
  await agent.find(target.customer.email, new RegExp(target.customer.name));
  await agent.openDelivery(target.deliveryTag);
  expect((await faults('down')).status).toBe(200);
  try {
    await agent.changeMethodTo(target.next.last4);
    await agent.submitChange();
    const note = agent.changeProgress.getByTestId('command-note');
    await expect
      .poll(async () => ((await note.count()) > 0 ? note.textContent() : ''), { timeout: 60_000 })
      .toMatch(/card company is not answering.*no need to submit it again/);
    expect(await agent.changeStatus()).toContain('Processing');
    // The server's status document tells every agent of the region, not only this one.
    await expect
      .poll(() => agent.serviceStatus(), { timeout: 30_000 })
      .toMatch(/Card payments are delayed: the card company is not answering/);
  } finally {
    await faults('none');
  }
  await expect.poll(() => agent.changeStatus(), { timeout: 60_000 }).toContain('Done');
  await expect.poll(() => agent.serviceStatus(), { timeout: 30_000 }).not.toMatch(/Card payments/);
  expect(await agent.changeProgress.getByTestId('command-note').count()).toBe(0);
  const truth = await serverRecord(stack.server, token, 'payment', target.payment.id);
  expect((truth.body['method'] as { token: string }).token).toBe(target.next.token);
}, 180_000);
