// Dashboard actions in a real browser against the stand-in daemon: click,
// see the result. Fixtures (fresh projects and runs) come from
// tests/http/actions_fixtures.py, so the demo's own rows stay untouched.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startBrowser, openPage, test, check, eq, getJson, finish, dashUrl } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'http', 'actions_fixtures.py');
const fx0 = (...args) => execFileSync('/usr/bin/python3', [fixtures, ...args], { encoding: 'utf8' });
const fx = (...args) => JSON.parse(fx0(...args));

// openPage treats any dialog as a problem; these tests answer confirm()
// themselves. Returns the dialog's text.
async function clickAndAnswer(p, locator, accept) {
  p.page.removeAllListeners('dialog');
  const dialog = p.page.waitForEvent('dialog', { timeout: 15000 });
  const click = locator.click();   // returns once the dialog is answered
  const d = await dialog;
  const text = d.message();
  if (accept) await d.accept(); else await d.dismiss();
  await click;
  return text;
}

async function projectCard(page, label) {
  const cards = page.locator('.project-card');
  const n = await cards.count();
  for (let i = 0; i < n; i++) {
    if ((await cards.nth(i).locator('.project-name').innerText()) === label) return cards.nth(i);
  }
  throw new Error(`no card for ${label}`);
}

const b = await startBrowser();

await test('trigger shows the real dispatches with links', async () => {
  const pr = fx('project', 'B-' + Date.now(), 'C-' + Date.now());
  const p = await openPage(b, '/');
  const card = await projectCard(p.page, pr.label);
  await card.locator('button', { hasText: 'Trigger Orchestrator' }).click();
  await check(await card.locator('button').last().isDisabled(), 'button disabled while working');
  const result = card.locator('.action-result');
  await result.waitFor({ timeout: 10000 });
  const text = await result.innerText();
  check(/^Dispatched 2: /.test(text), `result: ${text}`);
  const links = await result.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  eq(links.length, 2, 'links to the new runs');
  for (const h of links) check(/\/runs\/[a-z0-9]{4}-main$/.test(h), `link ${h}`);
  await p.assertClean();
  await fetch(dashUrl() + `/api/projects/${encodeURIComponent(pr.label)}/loop/stop`, { method: 'POST' });
  await p.close();
});

await test('trigger with nothing to do says so', async () => {
  const pr = fx('project');
  const p = await openPage(b, '/');
  const card = await projectCard(p.page, pr.label);
  await card.locator('button', { hasText: 'Trigger Orchestrator' }).click();
  const result = card.locator('.action-result');
  await result.waitFor({ timeout: 10000 });
  eq(await result.innerText(), 'No tasks ready', 'result');
  await fetch(dashUrl() + `/api/projects/${encodeURIComponent(pr.label)}/loop/stop`, { method: 'POST' });
  await p.close();
});

await test('cancel asks first, says it stops every run of the task, then cancels', async () => {
  const pr = fx('project');
  const run = fx('run', pr.dir, 'running');
  const p = await openPage(b, '/runs/' + encodeURIComponent(run.run_id));
  const text = await clickAndAnswer(p, p.page.locator('#cancel-run-btn'), false);
  check(/EVERY/.test(text) && text.includes(run.task_id), `confirm text: ${text}`);
  await p.page.waitForTimeout(500);
  eq(fx('state', run.run_id).state, 'running', 'dismissed: nothing happened');
  await clickAndAnswer(p, p.page.locator('#cancel-run-btn'), true);
  // The page reloads itself (actions.js, and run.js on the state change).
  await p.page.locator('#cancel-run-btn').waitFor({ state: 'detached', timeout: 15000 });
  await p.page.waitForLoadState('load');
  eq(fx('state', run.run_id).state, 'cancelled', 'state after accept');
  const api = await getJson('/api/runs/' + encodeURIComponent(run.run_id));
  eq(api.state, 'cancelled', 'API state');
  await p.close();
});

await test('delete container without JavaScript: redirect and flash', async () => {
  const pr = fx('project');
  const run = fx('run', pr.dir, 'failed', 'develop', 'c0ffee' + Date.now());
  const context = await b.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(dashUrl() + '/runs/' + encodeURIComponent(run.run_id));
  const btn = page.locator('#delete-container-btn');
  check((await btn.count()) === 1, 'Delete Container button present');
  await Promise.all([page.waitForNavigation(), btn.click()]);
  check(page.url().includes('/runs/' + encodeURIComponent(run.run_id)), `back on the run page: ${page.url()}`);
  const notice = await page.locator('.notice-ok').innerText();
  check(notice.includes('Deleted the container'), `flash: ${notice}`);
  eq(fx('state', run.run_id).container_kept, 0, 'container_kept cleared');
  await context.close();
});

// Later browser tests see the demo as generated.
await new Promise((r) => setTimeout(r, 2000));
fx0('cleanup');
await finish(b);
