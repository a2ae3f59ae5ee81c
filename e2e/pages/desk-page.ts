/** Page model of the desk's frame: sign-in, the top bar and the status bar, as an operator sees them. */
import type { Locator, Page } from 'playwright-core';

declare global {
  interface Window {
    /** Every text the status bar showed since `recordStatusBar`, in order. */
    __statusLog?: string[];
  }
}

export class DeskPage {
  constructor(readonly page: Page) {}

  get statusBar(): Locator {
    return this.page.getByRole('status', { name: 'Sync status' });
  }

  statusText(): Promise<string> {
    return this.statusBar.textContent().then((t) => t ?? '');
  }

  /** "Signed in as agent-1 (agent)", or '' on the sign-in page. */
  async signedInAs(): Promise<string> {
    const who = this.page.getByText(/^Signed in as /);
    return (await who.count()) > 0 ? ((await who.textContent()) ?? '') : '';
  }

  signInForm(): Locator {
    return this.page.getByRole('form', { name: 'Sign in' });
  }

  async signIn(token: string): Promise<void> {
    await this.page.getByLabel('Access token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 15_000 });
  }

  /** Signs out keeping this computer's data (the dialog's first choice). */
  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await this.page
      .getByRole('dialog', { name: 'Sign out' })
      .getByRole('button', { name: 'Keep data for offline use' })
      .click();
    await this.page.getByLabel('Access token').waitFor({ timeout: 15_000 });
  }

  /** Starts logging every change of the status bar's text (a MutationObserver in the page). */
  async recordStatusBar(): Promise<void> {
    await this.page.evaluate(() => {
      const bar = document.querySelector('[aria-label="Sync status"]');
      if (!bar) throw new Error('no status bar');
      const log: string[] = [bar.textContent];
      window.__statusLog = log;
      new MutationObserver(() => {
        const text = bar.textContent;
        if (log.at(-1) !== text) log.push(text);
      }).observe(bar, { subtree: true, childList: true, characterData: true });
    });
  }

  statusLog(): Promise<string[]> {
    return this.page.evaluate(() => window.__statusLog ?? []);
  }
}
