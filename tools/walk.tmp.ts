// Temporary walkthrough driver (not committed): signs in as each role, screenshots screens.
import { chromium } from 'playwright-core';
const [url, agentTok, fmTok, supTok] = process.argv.slice(2);
const shot = async (page: import('playwright-core').Page, name: string) => {
  await page.screenshot({ path: `/work/walk/${name}.png` });
  console.log('shot', name);
};
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const signIn = async (token: string) => {
  await page.goto(url);
  await page.getByLabel(/token/i).fill(token);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 60_000 });
};
const signOut = async () => {
  await page.getByRole('button', { name: /sign out/i }).first().click();
  const keep = page.getByRole('button', { name: /keep/i });
  if (await keep.count()) await keep.first().click();
  await page.getByLabel(/token/i).waitFor({ timeout: 30_000 });
};
await signIn(agentTok!);
await page.getByRole('searchbox').first().fill('a');
await page.waitForTimeout(1500);
await shot(page, '1-agent-search');
await signOut();
await signIn(fmTok!);
await page.getByRole('button', { name: 'Dispatch' }).click();
await page.waitForTimeout(2500);
await shot(page, '2-fm-dispatch');
await signOut();
await signIn(supTok!);
for (const v of ['Escalations', 'Audit trail', 'Gateway drill', 'Pending & attention']) {
  await page.getByRole('button', { name: new RegExp('^' + v) }).click();
  await page.waitForTimeout(1500);
  await shot(page, '3-sup-' + v.replace(/\W+/g, '-'));
}
await signOut();
await signIn(agentTok!);
await page.waitForTimeout(1000);
await shot(page, '4-agent-again');
console.log('status:', await page.locator('footer, [role=status]').first().innerText().catch(() => '?'));
await browser.close();
