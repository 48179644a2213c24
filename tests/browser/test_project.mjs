// The project page in a real browser: loads clean (no console error, no
// CSP violation), a prompt commit opens its diff inline with coloured
// lines and closes again, and the loop state leaves "Loop: unknown" once
// /loop/status has answered.
import { startBrowser, openPage, test, check, getJson, finish } from './lib.mjs';

const b = await startBrowser();
const projects = await getJson('/api/projects');
const main = projects.find((p) => p.label === 'ws/api') || projects[0];
const rel = '/projects/' + encodeURIComponent(main.label);

await test('project page loads clean', async () => {
  const p = await openPage(b, rel);
  check(p.response.status() === 200, `status ${p.response.status()}`);
  const text = await p.page.evaluate(() => document.body.textContent);
  for (const s of ['Project Info', 'In-progress Tasks', 'Upcoming Tasks']) check(text.includes(s), `${s} missing`);
  await p.assertClean();
  await p.close();
});

await test('a prompt commit opens a coloured diff inline', async () => {
  const p = await openPage(b, rel);
  const details = p.page.locator('details.prompt-file').filter({ has: p.page.locator('a.prompt-commit') });
  check(await details.count() > 0, 'no prompt file with history');
  const first = details.first();
  await first.locator('summary').click();
  // The newest commit of a file with more than one commit changes lines.
  const link = first.locator('a.prompt-commit').first();
  await link.click();
  const pre = first.locator('pre.diff-view').first();
  await pre.waitFor({ state: 'visible', timeout: 5000 });
  await p.page.waitForFunction(() => !/Loading diff/.test(document.querySelector('pre.diff-view').textContent));
  const kinds = await pre.evaluate((el) => [...el.children].map((c) => c.className));
  check(kinds.includes('diff-hunk'), `no hunk line: ${kinds.join(' ')}`);
  check(kinds.includes('diff-add') || kinds.includes('diff-del'), 'no added/removed line');
  const bg = await first.locator('pre.diff-view span.diff-hunk').first().evaluate((el) => getComputedStyle(el).backgroundColor);
  check(bg !== 'rgba(0, 0, 0, 0)', 'hunk lines are not styled');
  check(await link.getAttribute('aria-expanded') === 'true', 'aria-expanded not set');
  await link.click();
  check(await pre.isHidden(), 'second click does not hide the diff');
  check(p.page.url().endsWith(rel), `navigated away: ${p.page.url()}`);
  await p.assertClean();
  await p.close();
});

await test('loop state is filled in', async () => {
  const p = await openPage(b, rel);
  await p.page.waitForFunction(() => document.getElementById('loop-state').textContent !== 'Loop: unknown',
    null, { timeout: 8000 }).catch(() => {});
  const st = await p.page.locator('#loop-state').textContent();
  check(/^Loop: (running|stopped|unknown)$/.test(st), `loop state ${st}`);
  const status = await getJson('/api/projects/' + encodeURIComponent(main.label) + '/loop/status');
  if (typeof status.running === 'boolean') {
    check(st === (status.running ? 'Loop: running' : 'Loop: stopped'), `loop state ${st} for ${JSON.stringify(status)}`);
    const hidden = await p.page.locator(status.running ? 'form.loop-start' : 'form.loop-stop').isHidden();
    check(hidden, 'the action that does not apply is still shown');
  }
  await p.assertClean();
  await p.close();
});

await finish(b);
