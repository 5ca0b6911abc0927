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

/**
 * Opens a quick pick with `open` (a palette command, a button) and clicks the row that contains
 * `text`. A quick pick closes when it loses the focus, and a part of the workbench that finishes
 * drawing late can take the focus and close it before the row is clicked: the command then got no
 * answer and did nothing. A user would open it again, and so does this, at most `tries` times,
 * saying so each time. A pick that stays on screen with a row that cannot be clicked is not retried.
 */
export async function openAndPick(page: Page, what: string, open: () => Promise<void>, text: string, tries = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await open();
    const widget = page.locator('.quick-input-widget').first();
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      await row.click({ timeout: 10_000 });
      return;
    } catch (err) {
      if (attempt >= tries || (await widget.isVisible())) throw err;
      console.log(`      (the quick pick of ${what} closed before "${text}" was picked: focus taken elsewhere; opening it again, attempt ${attempt + 1})`);
    }
  }
}

/** Runs a palette command that shows a quick pick and clicks the row that contains `text` (see openAndPick). */
export function paletteAndPick(page: Page, command: string, text: string): Promise<void> {
  return openAndPick(page, `"${command}"`, () => palette(page, command), text);
}

/**
 * Types into the input box whose prompt contains `prompt` and presses Enter. It waits for that box
 * (not the quick pick before it, still on screen while it goes away: typing there is lost), and
 * when the box is taken away before the text is in (a panel that finished loading took the focus),
 * it says so rather than typing into nothing.
 */
export async function answerInputBox(page: Page, prompt: string, text: string): Promise<void> {
  const widget = page.locator('.quick-input-widget', { hasText: prompt }).first();
  await widget.waitFor({ state: 'visible', timeout: 15_000 });
  const input = widget.locator('input').first();
  await input.fill(text, { timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/**
 * Runs a palette command, picks `row` in its quick pick, then answers the input box that follows
 * (prompt `prompt`) with `text`. The box, like the pick, closes unanswered when a part of the window
 * still being drawn (a panel finishing its load) takes the focus; then nothing was done, and the
 * whole command runs again, at most `tries` times, each said in the log.
 */
export async function paletteAndAnswer(page: Page, command: string, row: string, prompt: string, text: string, tries = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await paletteAndPick(page, command, row);
    try {
      await answerInputBox(page, prompt, text);
      return;
    } catch (err) {
      if (attempt >= tries || (await page.locator('.quick-input-widget', { hasText: prompt }).first().isVisible())) throw err;
      console.log(`      (the input box "${prompt}" of "${command}" closed before it was answered: focus taken elsewhere; running it again, attempt ${attempt + 1})`);
    }
  }
}
