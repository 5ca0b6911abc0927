/**
 * Issue 17, "a newcomer's first ten minutes", the parts the panel decides alone: one identity per
 * row, controls that cannot work while closed, an empty filter that says so, one close row. Each
 * test drives the real bundle as a user (clicks, keys, typing) and asserts what a person sees.
 */
import assert from 'node:assert/strict';
import { fill, isDisabled, openWebview, serveRows, setChecked, snapshot, type TestWindow, type WebviewPage } from './harness';
import type { ViewFilter } from '../../src/shared/contract';
import * as f from './fixtures';

let closeSeq = 900;
function close(code: number, reason: string, initiator: 'client' | 'server', wasClean = true) {
  const id = closeSeq++;
  return { kind: 'close', id, time: Date.UTC(2026, 0, 1, 12, 0, 1) + id, connection: 'c1', code, reason, initiator, wasClean };
}

async function openWith(rows: unknown[], connection: Record<string, unknown> = {}): Promise<WebviewPage> {
  const w = await openWebview();
  await serveRows(w, rows);
  const ready = await w.request('ready');
  await w.reply(ready, snapshot({ connection: f.summary(connection), view: { total: rows.length, filter: { mode: 'messages' }, unfiltered: rows.length } }));
  await w.page.waitForSelector('body[data-ready="true"]');
  return w;
}

/** Answers the next setView as the host would: the rows at `indexes` of the page's rows pass the filter. */
async function answerView(w: WebviewPage, indexes: number[], unfiltered: number): Promise<ViewFilter> {
  const req = await w.request('setView');
  await w.page.evaluate((ix) => ((window as unknown as TestWindow & { __filtered?: number[] }).__filtered = ix), indexes);
  await w.reply(req, { total: indexes.length, ms: 1, unfiltered });
  return req.params.filter;
}

/** The computed colour a theme variable gives a property, read from a probe element in the page. */
function themeColour(w: WebviewPage, prop: 'color' | 'backgroundColor', variable: string): Promise<string> {
  return w.page.evaluate(([p, v]) => {
    const probe = document.createElement('span');
    probe.style[p as 'color'] = `var(${v})`;
    document.body.append(probe);
    const c = getComputedStyle(probe)[p as 'color'];
    probe.remove();
    return c;
  }, [prop, variable] as const);
}

const cells = (w: WebviewPage) => w.page.$$eval('.timeline .row[data-index]:not([hidden])', (els) => els.map((e) => [...e.children].map((c) => c.textContent)));

describe('webview: a newcomer reads the timeline without surprises (issue 17)', () => {
  beforeEach(() => f.resetIds());

  it('shows the event id in the # column, the same id in the detail title, and keeps ids when filtered', async () => {
    // Ids with gaps, as the host's messages view has them (frames and other events in between).
    const rows = [f.message('out', 'first', { id: 3 }), f.message('in', 'second', { id: 7 }), f.message('out', 'third', { id: 11 })];
    const w = await openWith(rows);
    try {
      await w.page.waitForSelector('.timeline .row[data-index="2"]:not(.loading)');
      assert.deepEqual((await cells(w)).map((c) => [c[0], c[6]]), [['3', 'first'], ['7', 'second'], ['11', 'third']]);
      await w.page.click('.timeline .row[data-index="2"]');
      assert.match((await w.page.textContent('.detail-title'))!, /^TEXT · #11 · /);
      // Filter to the sent messages: the rows keep their ids (no renumbering to 1, 2).
      await setChecked(w.page, '#dir-in', false);
      await answerView(w, [0, 2], 3);
      await w.page.waitForFunction(() => document.querySelectorAll('.timeline .row[data-index]:not([hidden]):not(.loading)').length === 2);
      assert.deepEqual((await cells(w)).map((c) => [c[0], c[6]]), [['3', 'first'], ['11', 'third']]);
      await w.page.click('.timeline .row[data-index="1"]');
      assert.match((await w.page.textContent('.detail-title'))!, /^TEXT · #11 · /);
    } finally {
      await w.close();
    }
  });

  it('says when no row matches the filter, offers to clear it, and counts "N of M rows"', async () => {
    const rows = [f.message('out', 'alpha'), f.message('in', 'beta'), f.message('in', 'gamma')];
    const w = await openWith(rows);
    try {
      assert.equal(await w.page.textContent('#row-count'), '3 rows');
      await fill(w.page, '#search', 'zzz');
      await answerView(w, [], 3);
      await w.page.waitForFunction(() => document.querySelector('#row-count')?.textContent === '0 of 3 rows');
      assert.equal(await w.page.isVisible('#timeline-empty'), true);
      assert.equal(await w.page.textContent('#timeline-empty-text'), 'No row matches the filter.');
      assert.doesNotMatch((await w.page.textContent('#timeline-empty'))!, /No events yet/);
      assert.equal(await w.page.isVisible('#clear-filter'), true);
      // Partial match: "N of M".
      await fill(w.page, '#search', 'a');
      await answerView(w, [0, 1], 3);
      await w.page.waitForFunction(() => document.querySelector('#row-count')?.textContent === '2 of 3 rows');
      assert.equal(await w.page.isVisible('#timeline-empty'), false);
      // Nothing matches again, then "Clear the filter" brings every row back and empties the search box.
      await fill(w.page, '#search', 'zzz');
      await answerView(w, [], 3);
      await w.page.waitForFunction(() => document.querySelector('#row-count')?.textContent === '0 of 3 rows');
      await w.page.click('#clear-filter');
      assert.deepEqual(await answerView(w, [0, 1, 2], 3), { mode: 'messages' });
      await w.page.waitForFunction(() => document.querySelector('#row-count')?.textContent === '3 rows');
      assert.equal(await w.page.inputValue('#search input'), '');
      await w.page.waitForSelector('.timeline .row[data-index="2"]:not(.loading)');
      assert.equal(await w.page.isVisible('#timeline-empty'), false);
    } finally {
      await w.close();
    }
  });

  it('with no events and no filter, still invites to connect', async () => {
    const w = await openWith([]);
    try {
      assert.equal(await w.page.textContent('#timeline-empty-text'), 'No events yet. Connect, then send a message.');
      assert.equal(await w.page.isVisible('#clear-filter'), false);
    } finally {
      await w.close();
    }
  });

  it('disables Send, Ping, Pong and Close while closed, says who closed it, and enables them again on reconnect', async () => {
    const w = await openWith([f.message('out', 'hi')]);
    try {
      await fill(w.page, '#msg-body', 'hello');
      for (const id of ['#send', '#ping', '#pong', '#close', '#terminate']) assert.equal(await isDisabled(w.page, id), false, `${id} enabled while open`);
      await w.emit('connection', f.summary({ state: 'closed', closeCode: 4000, closeReason: 'done testing', closeInitiator: 'client', closeClean: true }));
      await w.page.waitForSelector('#state.closed');
      for (const id of ['#send', '#ping', '#pong', '#close', '#terminate']) assert.equal(await isDisabled(w.page, id), true, `${id} disabled while closed`);
      assert.equal(await w.page.textContent('#close-info'), '4000 Private use · done testing · closed by client');
      assert.equal(await w.page.textContent('#connect'), 'Reconnect');
      assert.equal(await w.page.getAttribute('#send', 'title'), 'The connection is closed: Reconnect first');
      // Typing does not re-enable Send (the composer's validation runs on each edit).
      await fill(w.page, '#msg-body', 'hello again');
      assert.equal(await isDisabled(w.page, '#send'), true);
      // Ctrl+Enter posts nothing and says why in the panel, not as a host error.
      const before = (await w.posted()).filter((m) => m.method === 'send').length;
      await w.page.locator('#msg-body textarea').press('Control+Enter');
      await w.page.waitForSelector('#notice:not([hidden])');
      assert.equal(await w.page.textContent('#notice'), 'The connection is closed: Reconnect first');
      assert.equal((await w.posted()).filter((m) => m.method === 'send').length, before);
      // A server close says so.
      await w.emit('connection', f.summary({ state: 'closed', closeCode: 1001, closeReason: '', closeInitiator: 'server', closeClean: true }));
      await w.page.waitForFunction(() => document.querySelector('#close-info')?.textContent === '1001 Going Away · closed by server');
      await w.emit('connection', f.summary({ state: 'open' }));
      await w.page.waitForSelector('#state.open');
      for (const id of ['#send', '#ping', '#pong', '#close', '#terminate']) assert.equal(await isDisabled(w.page, id), false, `${id} enabled again`);
    } finally {
      await w.close();
    }
  });

  it('shows a close as one row with code, reason and initiator; a clean 1000 is neutral, an abnormal close is an error', async () => {
    const rows = [f.message('out', 'hi'), close(1000, 'bye', 'client'), close(1006, '', 'server', false)];
    const w = await openWith(rows, { state: 'closed', closeCode: 1000, closeReason: 'bye', closeInitiator: 'client', closeClean: true });
    try {
      await w.page.waitForSelector('.timeline .row[data-index="2"]:not(.loading)');
      const texts = await cells(w);
      assert.deepEqual(texts[1]!.slice(3, 7), ['CLOSED', '', '', '1000 Normal Closure · bye · closed by client']);
      assert.deepEqual(texts[2]!.slice(3, 7), ['CLOSED', '', '', '1006 Abnormal Closure · closed by server · no closing handshake']);
      const colour = (sel: string) => w.page.$eval(sel, (el) => getComputedStyle(el).color);
      const muted = await w.page.$eval('#row-count', (el) => getComputedStyle(el).color);
      const error = await themeColour(w, 'color', '--vscode-errorForeground');
      assert.equal(await colour('.timeline .row[data-index="1"] .c-type'), muted, 'a clean 1000 is neutral');
      assert.equal(await colour('.timeline .row[data-index="2"] .c-type'), error, 'a close without handshake is an error');
      // The header badge: neutral for a clean 1000, not red.
      const badge = await w.page.$eval('#state', (el) => getComputedStyle(el).backgroundColor);
      const neutral = await themeColour(w, 'backgroundColor', '--vscode-badge-background');
      assert.equal(badge, neutral);
      assert.equal(await w.page.textContent('#state'), 'closed 1000');
    } finally {
      await w.close();
    }
  });

  it('shows sub-millisecond round trips in µs, and a refused regex once, without repeating itself', async () => {
    const w = await openWith([f.message('in', 'x'), { kind: 'rtt', id: 50, time: Date.UTC(2026, 0, 1), connection: 'c1', ms: 0.042 }], { rttMs: 0.042 });
    try {
      assert.match((await w.page.textContent('#summary'))!, /42 µs/);
      await w.page.waitForSelector('.timeline .row[data-index="1"]:not(.loading)');
      assert.equal(await w.page.textContent('.timeline .row[data-index="1"] .c-summary'), '42 µs round trip');
      await w.emit('connection', f.summary({ rttMs: 12.345 }));
      await w.page.waitForFunction(() => /12\.3 ms/.test(document.querySelector('#summary')?.textContent ?? ''));
      await setChecked(w.page, '#search-regex', true);
      await w.request('setView');
      await fill(w.page, '#search', '(');
      const refused = await w.request('setView');
      // What the host says today (binding.ts wraps the compiler's own message).
      await w.replyError(refused, 'WSWB_PANEL_BAD_REGEX', 'Invalid regular expression: invalid regular expression: missing closing ): `(?i)(`');
      await w.page.waitForFunction(() => !!document.querySelector('#search-error')?.textContent);
      assert.equal(await w.page.textContent('#search-error'), 'Invalid regex: missing closing ): `(`');
    } finally {
      await w.close();
    }
  });
});
