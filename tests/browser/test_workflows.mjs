// The project page's Workflows panel in a real browser: switching the
// location and workflow tabs changes which graph is visible, clicking a step
// node opens the drawer with that step and its content, Escape closes it,
// and nothing logs an error.
import { startBrowser, openPage, test, check, eq, getJson, finish } from './lib.mjs';

const b = await startBrowser();

// The demo project holding the daemon.md 3.8 examples has both host and
// container workflows.
let label = null;
for (const p of await getJson('/api/projects')) {
  const wfs = await getJson('/api/projects/' + encodeURIComponent(p.label) + '/workflows');
  const locs = new Set((wfs || []).map((w) => w.location));
  if (locs.has('host') && locs.has('container')) { label = p.label; break; }
}
const rel = label && '/projects/' + encodeURIComponent(label);

const visibleNames = (page) => page.evaluate(() =>
  [...document.querySelectorAll('.wf-name')].filter((e) => e.offsetParent !== null).map((e) => e.textContent.trim()));

await test('location and workflow tabs switch the visible graph', async () => {
  check(label, 'no demo project with host and container workflows');
  const p = await openPage(b, rel);
  const loc = p.page.locator('#location-tabs .tab-btn');
  check(await loc.count() === 2, `location tabs: ${await loc.count()}`);
  const before = await visibleNames(p.page);
  check(before.length === 1, `one graph visible at a time, got ${before.join(',')}`);
  await loc.nth(1).click();
  eq(await loc.nth(1).getAttribute('aria-selected'), 'true', 'second location tab selected');
  const after = await visibleNames(p.page);
  check(after.length === 1 && after[0] !== before[0], `graph did not change: ${before} -> ${after}`);
  // Within the host location (list-tasks, main, release-task): the next workflow tab.
  const wfTabs = p.page.locator('.wf-tabs:visible .tab-btn');
  if (await wfTabs.count() > 1) {
    await wfTabs.nth(1).click();
    const third = await visibleNames(p.page);
    check(third.length === 1 && third[0] !== after[0], `workflow tab did not switch: ${after} -> ${third}`);
  }
  await p.assertClean();
  await p.close();
});

await test('a step node opens the drawer and Escape closes it', async () => {
  check(label, 'no demo project');
  const p = await openPage(b, rel);
  const node = p.page.locator('a.dag-node:visible').first();
  const step = await node.getAttribute('data-step');
  await node.click();
  const drawer = p.page.locator('#step-drawer');
  await p.page.waitForFunction(() => document.getElementById('step-drawer').classList.contains('open'));
  eq(await p.page.locator('#step-drawer-title').textContent(), step, 'drawer title');
  const meta = await drawer.locator('.drawer-meta').textContent();
  check(/Type/.test(meta) && /Results/.test(meta), `drawer meta: ${meta}`);
  await p.page.waitForFunction(() => document.querySelector('#step-drawer .drawer-loading').hidden);
  eq(p.page.url(), (await import('./lib.mjs')).dashUrl() + rel, 'stayed on the page');
  await p.page.keyboard.press('Escape');
  check(!(await drawer.evaluate((d) => d.classList.contains('open'))), 'Escape did not close the drawer');
  await p.assertClean();
  await p.close();
});

await finish(b);
