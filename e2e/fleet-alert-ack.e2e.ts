/**
 * Issue 13, item 3: alerts people work. Two fleet managers (desk B through a proxy the test
 * cuts): an acknowledgement is shared with who and when; a critical alert (card payments down)
 * needs a reason, and B gives one offline (per-drone telemetry alerts are held on a desk whose
 * own telemetry is down, the region's status is not); once its cause changes (the card
 * company came back and went down again) it nags again. The screen passes axe; acknowledging works from the
 * keyboard alone.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TcpProxy } from '../sync-server/test-support/tcp-proxy';
import { seriousViolations } from './support/axe';
import { Stack } from './support/stack';

let stack: Stack;
let proxy: TcpProxy;
beforeAll(async () => {
  stack = await Stack.start(['--drones', '40', '--gateway-probe-interval', '200ms']);
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: stack.server.port });
  stack.cleanups.push(() => proxy.close());
});
afterAll(async () => {
  await stack.close();
});

const SYNC = { timeout: 30_000 };
const open = (page: Page, key: string) =>
  page.getByRole('list', { name: 'Alerts', exact: true }).locator(`li[data-alert="${key}"]`);
/** In the folded "Acknowledged" list (closed <details>: not in the accessibility tree). */
const taken = (page: Page, key: string) => page.locator(`.alerts-taken li[data-alert="${key}"]`);

/** Keyboard only: focus the alert's Acknowledge button and press Enter. */
async function acknowledge(page: Page, key: string): Promise<void> {
  const button = open(page, key).getByRole('button', { name: /^Acknowledge / });
  await button.focus();
  // Enter goes to whatever has focus: press it only once the button holds it (a busy page
  // may still be rendering the list).
  await expect.poll(() => button.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.press('Enter');
}

it(
  'acknowledgements are shared (also from an offline desk), critical ones need a reason, and a new cause nags again',
  { timeout: 300_000 },
  async () => {
    const a = (await stack.desk('fm-1', 'fleet-manager')).page;
    const b = (await stack.desk('fm-2', 'fleet-manager', `http://127.0.0.1:${String(proxy.port)}`))
      .page;

    // Ordinary (non-critical) drone alerts: with no simulator, drones stop reporting.
    const ordinary = a
      .getByRole('list', { name: 'Alerts', exact: true })
      .locator('li[data-alert]:not(:has(strong))');
    await expect.poll(() => ordinary.count(), { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
    const k1 = await ordinary.first().getAttribute('data-alert');
    if (!k1) throw new Error('an alert expected');
    await expect.poll(() => open(b, k1).count(), { timeout: 60_000 }).toBe(1);

    await acknowledge(a, k1);
    for (const page of [a, b]) {
      await expect.poll(() => taken(page, k1).textContent(), SYNC).toMatch(/— fm-1 at \d/);
      expect(await open(page, k1).count()).toBe(0);
    }

    // Critical: card payments down. No reason, no acknowledgement.
    expect((await stack.gatewayFaults('down')).status).toBe(200);
    const gateway = 'region:payments';
    for (const page of [a, b])
      await expect
        .poll(() => open(page, gateway).textContent(), { timeout: 60_000 })
        .toMatch(/Critical.*Card payments down since/);
    await acknowledge(a, gateway);
    const reasonA = a.getByLabel('Reason (required for a critical alert)');
    await expect.poll(() => reasonA.evaluate((el) => el === document.activeElement)).toBe(true);
    await a.keyboard.press('Enter');
    await expect
      .poll(() => open(a, gateway).getByRole('alert').textContent(), SYNC)
      .toContain('needs a short reason');
    expect(await seriousViolations(a)).toEqual([]);
    await a.screenshot({
      path: new URL('../docs/screenshots/fleet-alert-reason.png', import.meta.url).pathname,
    });
    await open(a, gateway).getByRole('button', { name: 'Cancel' }).click();

    // B, offline (its region status is kept, with its age), takes it with a reason.
    await proxy.cut();
    await acknowledge(b, gateway);
    await b
      .getByLabel('Reason (required for a critical alert)')
      .fill('Card company outage; agents told');
    await b.keyboard.press('Enter');
    await expect.poll(() => taken(b, gateway).count(), SYNC).toBe(1);
    expect(await open(a, gateway).count()).toBe(1);
    await proxy.restore();
    await expect
      .poll(() => taken(a, gateway).textContent(), { timeout: 60_000 })
      .toMatch(/— fm-2 at .*: Card company outage; agents told/);
    await a.locator('.alerts-taken summary').click();
    expect(await seriousViolations(a)).toEqual([]);
    await a.screenshot({
      path: new URL('../docs/screenshots/fleet-alerts-acknowledged.png', import.meta.url).pathname,
    });

    // The cause changes (back, then down again since a new time): it nags again, saying so.
    expect((await stack.gatewayFaults('none')).status).toBe(200);
    await expect.poll(() => taken(a, gateway).count(), { timeout: 60_000 }).toBe(0);
    expect((await stack.gatewayFaults('down')).status).toBe(200);
    await expect
      .poll(() => open(a, gateway).textContent(), { timeout: 60_000 })
      .toMatch(/Acknowledged by fm-2 at .* it has changed since/);
    expect((await stack.gatewayFaults('none')).status).toBe(200);
  },
);
