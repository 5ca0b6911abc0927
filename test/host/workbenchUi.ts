/** Driving the VS Code workbench as a user: the command palette and quick picks (playwright). */
import type { Page } from 'playwright-core';

/** Opens the command palette (F1), types the command and runs it. */
export async function palette(page: Page, command: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${command}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** Clicks the first quick pick row that contains `text`. */
export async function pickRow(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
}
