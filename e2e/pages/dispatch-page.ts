/** Page model of the Dispatch screen, used the way a fleet manager would: by role, label, keyboard. */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

export class DispatchPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByRole('button', { name: 'Dispatch', exact: true }).click();
    await this.page.getByRole('main', { name: 'Dispatch' }).waitFor();
  }

  get queue(): Locator {
    return this.page.getByRole('table', { name: 'Dispatch queue' });
  }

  /** Waits until the queue lists at least `n` deliveries; returns their ids, in queue order. */
  async waitingIds(n = 1): Promise<string[]> {
    const rows = this.queue.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 90_000 }).toBeGreaterThanOrEqual(n);
    return rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-delivery') ?? ''));
  }

  row(deliveryId: string): Locator {
    return this.queue.locator(`tr[data-delivery="${deliveryId}"]`);
  }

  /** Keyboard only: focus the delivery's button in the queue and press Enter. */
  async select(deliveryId: string): Promise<void> {
    const button = this.row(deliveryId).getByRole('button');
    await button.focus();
    await this.page.keyboard.press('Enter');
    await expect.poll(() => button.getAttribute('aria-pressed')).toBe('true');
  }

  /** Keyboard only: "I'm handling it". */
  async claim(): Promise<void> {
    await this.page.getByRole('button', { name: "I'm handling it" }).focus();
    await this.page.keyboard.press('Enter');
  }

  claimText(): Promise<string> {
    return this.page
      .getByTestId('claim')
      .textContent()
      .then((t) => t ?? '');
  }

  async setPriority(label: 'Normal' | 'High' | 'Urgent'): Promise<void> {
    await this.page.getByLabel('Priority').selectOption({ label });
  }

  /** Clicks a checkbox the UI checks once the core answered (it is controlled by the board). */
  async toggle(label: string, on: boolean): Promise<void> {
    const box = this.page.getByLabel(label);
    if ((await box.isChecked()) !== on) await box.click();
    await expect.poll(() => box.isChecked()).toBe(on);
  }

  setVip(on: boolean): Promise<void> {
    return this.toggle('VIP customer', on);
  }

  /** "Urgent|VIP|fm-2|…" — the board as this desk shows it, for comparing two desks. */
  async boardText(): Promise<string> {
    const panel = this.page.locator('.board-panel');
    const priority = await this.page.getByLabel('Priority').inputValue();
    const vip = await this.page.getByLabel('VIP customer').isChecked();
    // Without buttons: "Release" shows only on the desk of the one handling it.
    const text = await panel.evaluate((el) => {
      const copy = el.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('button').forEach((btn) => btn.remove());
      return copy.textContent;
    });
    return `${priority}|${String(vip)}|${text}`;
  }

  async addChecklistItem(label: string): Promise<void> {
    await this.page.getByLabel('New item').fill(label);
    await this.page.getByRole('button', { name: 'Add item' }).click();
  }

  async addNote(text: string): Promise<void> {
    await this.page.getByLabel('New note').fill(text);
    await this.page.getByRole('button', { name: 'Add note' }).click();
  }

  notes(): Promise<string[]> {
    return this.page
      .getByRole('list', { name: 'Notes' })
      .getByRole('listitem')
      .allTextContents()
      .catch(() => []);
  }

  get candidates(): Locator {
    return this.page.getByRole('table', { name: 'Drone candidates' });
  }

  /** Eligible candidate drone ids, best first. */
  async eligibleDrones(): Promise<string[]> {
    const rows = this.candidates.locator('tr[data-eligible="true"]');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    return rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-drone') ?? ''));
  }

  /** Keyboard only: focus "Assign <drone>" and press Enter. */
  async assign(droneId: string): Promise<void> {
    await this.page.getByRole('button', { name: `Assign ${droneId}`, exact: true }).focus();
    await this.page.keyboard.press('Enter');
  }

  /** Keyboard only: switch the queue to the waiting or the scheduled (reassignable) list. */
  async showList(list: 'Waiting for a drone' | 'Scheduled (drone not yet left)'): Promise<void> {
    const button = this.page
      .getByRole('group', { name: 'Which deliveries' })
      .getByRole('button', { name: list, exact: true });
    await button.focus();
    await this.page.keyboard.press('Enter');
    await expect.poll(() => button.getAttribute('aria-pressed')).toBe('true');
  }

  /** Keyboard only: focus "Reassign to <drone>" and press Enter. */
  async reassign(droneId: string): Promise<void> {
    await this.page.getByRole('button', { name: `Reassign to ${droneId}`, exact: true }).focus();
    await this.page.keyboard.press('Enter');
  }

  /** The assignment's progress line ("Assign drone: Done"), or the reassignment's. */
  assignStatus(label: 'Assign drone' | 'Reassign drone' = 'Assign drone'): Promise<string> {
    return this.page
      .getByRole('group', { name: label, exact: true })
      .getByRole('status')
      .textContent()
      .then((t) => t ?? '')
      .catch(() => '');
  }

  assignError(): Promise<string> {
    return this.page
      .getByRole('group', { name: 'Assign drone', exact: true })
      .getByRole('alert')
      .textContent()
      .then((t) => t ?? '')
      .catch(() => '');
  }
}
