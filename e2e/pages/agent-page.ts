/** Page model of the agent workspace: finds things the way an agent would (roles and labels). */
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

export class AgentPage {
  constructor(readonly page: Page) {}

  get search(): Locator {
    return this.page.getByRole('searchbox', { name: 'Search customers and deliveries' });
  }

  /** Signed in, feed live, and the replica answers searches. */
  async ready(probe: string): Promise<void> {
    await expect
      .poll(async () => this.page.getByRole('status', { name: 'Sync status' }).textContent(), {
        timeout: 60_000,
      })
      .toMatch(/Online|Degraded/);
    await this.page.keyboard.press('Control+K');
    await expect
      .poll(async () => this.search.evaluate((el) => el === document.activeElement))
      .toBe(true);
    await this.search.fill(probe);
    await expect
      .poll(async () => this.page.getByRole('option').count(), { timeout: 60_000 })
      .toBeGreaterThan(0);
    await this.search.fill('');
  }

  /** Types into the global search and opens the first result whose text matches. */
  async find(text: string, pick: RegExp): Promise<void> {
    await this.page.keyboard.press('Control+K');
    await this.search.fill(text);
    const option = this.page.getByRole('option').filter({ hasText: pick }).first();
    await option.waitFor({ timeout: 30_000 });
    await option.click();
  }

  /** Opens a customer's delivery from the customer view's deliveries table. */
  async openDelivery(tag: string): Promise<void> {
    await this.page.getByRole('button', { name: `Open delivery ${tag}` }).click();
    await this.page.getByRole('heading', { name: `Delivery ${tag}` }).waitFor();
  }

  currentMethod(): Promise<string | null> {
    return this.page.getByTestId('current-method').textContent();
  }

  async changeMethodTo(last4: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Change payment method' }).click();
    const group = this.page.getByRole('radiogroup', { name: 'New payment method' });
    await group.getByRole('radio', { name: new RegExp(`ending ${last4}`) }).check();
  }

  async submitChange(): Promise<void> {
    await this.page.getByRole('button', { name: 'Submit payment method change' }).click();
  }

  get changeProgress(): Locator {
    return this.page.getByRole('group', { name: 'Payment method change', exact: true });
  }

  changeStatus(): Promise<string | null> {
    return this.changeProgress.getByRole('status').textContent();
  }

  async changeKey(): Promise<string> {
    const key = await this.changeProgress.getAttribute('data-idempotency-key');
    if (!key) throw new Error('no idempotency key on the progress');
    return key;
  }

  /** The region's service status line under the top bar (empty while all is well). */
  serviceStatus(): Promise<string | null> {
    return this.page.getByRole('status', { name: 'Service status' }).textContent();
  }

  notes(): Promise<string[]> {
    return this.page.getByRole('list', { name: 'Notes' }).getByRole('listitem').allTextContents();
  }

  async addNote(text: string): Promise<void> {
    await this.page.getByLabel('New note').fill(text);
    await this.page.getByRole('button', { name: 'Add note' }).click();
  }
}
