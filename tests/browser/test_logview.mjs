// The run page's log viewer in Chromium: virtual scrolling (only visible
// rows in the DOM), Load earlier by byte offset, hostile lines as text,
// ANSI colours, the long-line expander, permalinks, search, and the
// server-rendered history with JavaScript off.
import fs from 'node:fs';
import path from 'node:path';
import { startBrowser, openPage, test, check, getJson, finish, dashUrl } from './lib.mjs';

const demo = process.env.DEMO_DIR || '';
const man = JSON.parse(fs.readFileSync(path.join(demo, 'manifest.json'), 'utf8'));
const b = await startBrowser();
const seg = encodeURIComponent;

async function viewer(rel) {
  const p = await openPage(b, rel);
  await p.page.waitForSelector('.lv-row', { timeout: 10000 });
  await p.settle(300);
  return p;
}

await test('long log: tail shown, few DOM rows, clean', async () => {
  const p = await viewer(`/runs/${seg(man.long_log_run)}`);
  const st = await p.page.evaluate(() => ({
    rows: document.querySelectorAll('.lv-row').length,
    loaded: window.ClocheLog.lines().length,
    text: document.querySelector('.lv-rows').textContent,
  }));
  check(st.loaded === 1000, `loaded ${st.loaded} lines, want 1000`);
  check(st.rows < 200, `${st.rows} rows in the DOM: not virtual`);
  check(st.text.includes('step_completed: land'), 'last line not visible');
  await p.assertClean();
  await p.close();
});

await test('load earlier pages by offset and keeps the position', async () => {
  const p = await viewer(`/runs/${seg(man.long_log_run)}`);
  const before = await p.page.evaluate(() => window.ClocheLog.lines().length);
  await p.page.click('.lv-bar button:has-text("Load earlier")');
  await p.page.waitForFunction((n) => window.ClocheLog.lines().length > n, before, { timeout: 5000 });
  const after = await p.page.evaluate(() => window.ClocheLog.lines().length);
  check(after === before + 1000, `after load earlier ${after}`);
  await p.assertClean();
  await p.close();
});

await test('hostile lines are text, ANSI becomes classes', async () => {
  const p = await viewer(`/runs/${seg(man.hostile_run)}`);
  const r = await p.page.evaluate(() => {
    const log = document.getElementById('log');
    return {
      scripts: log.querySelectorAll('script, img, iframe').length,
      text: log.textContent,
      red: log.querySelectorAll('.ansi-fg1').length,
      bad: [...log.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
    };
  });
  check(r.scripts === 0, 'markup from the log became elements');
  check(r.text.includes('<script>alert(1)</script>'), 'hostile text not shown literally');
  check(r.red > 0, 'no ANSI red span');
  check(r.bad === 0, 'a javascript: link was made');
  await p.assertClean();
  await p.close();
});

await test('a 2 MiB line shows truncated with an expander', async () => {
  const p = await viewer(`/runs/${seg(man.big_log_run)}`);
  const n = await p.page.locator('.lv-more').count();
  check(n > 0, 'no "show all" expander');
  await p.page.locator('.lv-more').last().click();
  const d = await p.page.evaluate(() => document.querySelector('.lv-detail-text').textContent.length);
  check(d > 60000, `detail shows ${d} chars`);
  await p.assertClean();
  await p.close();
});

await test('permalink highlights the line; search finds matches', async () => {
  const page = await getJson(`/api/runs/${seg(man.long_log_run)}/logs?tail=50`);
  const off = page.lines[10].offset;
  const p = await viewer(`/runs/${seg(man.long_log_run)}#L${off}`);
  const hl = await p.page.evaluate((o) => {
    const e = document.getElementById('L' + o);
    return e ? e.className : '';
  }, off);
  check(hl.includes('lv-hl'), `line L${off} not highlighted (${hl})`);
  await p.page.fill('.lv-search', 'line 2 of');
  await p.page.waitForTimeout(400);
  const c = await p.page.textContent('.lv-count');
  check(/^\d+\/\d+$/.test(c), `search count ${c}`);
  await p.assertClean();
  await p.close();
});

await test('without JavaScript the history is server-rendered', async () => {
  const ctx = await b.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(dashUrl() + `/runs/${seg(man.long_log_run)}`);
  const n = await page.locator('li.ll').count();
  check(n === 500, `${n} server-rendered lines`);
  const href = await page.getAttribute('.logview-earlier', 'href');
  check(/log_before=\d+/.test(href || ''), `no Load earlier link (${href})`);
  await page.goto(dashUrl() + `/runs/${seg(man.hostile_run)}`);
  check((await page.locator('#log script, #log img').count()) === 0, 'markup from the log became elements');
  await ctx.close();
});

await finish(b);
