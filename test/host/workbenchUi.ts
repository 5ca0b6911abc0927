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
 * Runs `step` (open a quick pick or an input box, then answer it) again when it failed because what
 * it opened went away unanswered: a quick pick or input box closes when it loses the focus, and a
 * part of the window that finishes drawing late (a container's views, a panel finishing its load)
 * can take the focus before the answer is in. The command then got no answer and did nothing, so a
 * user would run it again, and so does this, at most `tries` times, saying so each time. Only a
 * failure after which `closedUnanswered` holds is retried; one with the widget still on screen is not.
 */
async function againWhenClosed(step: () => Promise<void>, closedUnanswered: () => Promise<boolean>, what: string, tries = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await step();
      return;
    } catch (err) {
      if (attempt >= tries || !(await closedUnanswered())) throw err;
      console.log(`      (${what} closed before it was answered: focus taken elsewhere; running it again, attempt ${attempt + 1})`);
    }
  }
}

/** Opens a quick pick with `open` (a palette command, a button) and clicks the row that contains `text` (see againWhenClosed). */
export function openAndPick(page: Page, what: string, open: () => Promise<void>, text: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  return againWhenClosed(
    async () => {
      await open();
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      await row.click({ timeout: 10_000 });
    },
    async () => !(await page.locator('.quick-input-widget').first().isVisible()),
    `the quick pick of ${what}, to pick "${text}",`,
  );
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
 * (prompt `prompt`) with `text`; the whole command runs again when the box closed unanswered (see
 * againWhenClosed).
 */
export function paletteAndAnswer(page: Page, command: string, row: string, prompt: string, text: string): Promise<void> {
  // A failure before the row was picked was already retried by paletteAndPick: not again here.
  let picked = false;
  return againWhenClosed(
    async () => {
      picked = false;
      await paletteAndPick(page, command, row);
      picked = true;
      await answerInputBox(page, prompt, text);
    },
    async () => picked && !(await page.locator('.quick-input-widget', { hasText: prompt }).first().isVisible()),
    `the input box "${prompt}" of "${command}"`,
  );
}
