// The run pages in a real browser: no console errors or CSP violations,
// the attempt accordion, step output opened in place, the 2 s / 5 s polls,
// and hostile titles and errors shown as text.
import fs from 'node:fs';
import path from 'node:path';
import { startBrowser, openPage, test, check, finish } from './lib.mjs';

function manifest() {
  const file = path.join(process.env.DEMO_DIR || '', 'manifest.json');
  for (let i = 0; i < 150; i++) {
    try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { /* not yet */ }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  throw new Error('no demo manifest at ' + file);
}

const M = manifest();
const enc = encodeURIComponent;
const b = await startBrowser();

async function injected(page) {
  return page.evaluate(() => ({
    handlers: [...document.querySelectorAll('*')].flatMap((e) =>
      [...e.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => e.tagName + ' ' + a.name)),
    img: document.querySelectorAll('img').length,
    inline: [...document.scripts].filter((s) => !s.src).length,
  }));
}

await test('runs list: accordion and refresh', async () => {
  const p = await openPage(b, '/runs', { settleMs: 3500 });
  const info = await p.page.evaluate((task) => {
    const hs = [...document.querySelectorAll('tr.run-attempt-header')].filter((h) => h.dataset.taskId === task);
    return hs.map((h) => ({ btn: !!h.querySelector('.accordion-toggle'), next: h.nextElementSibling.hidden }));
  }, M.multi_attempt_task);
  check(info.length >= 2, 'multi-attempt task has attempt headers');
  check(info.every((x) => x.btn), 'chevrons added');
  check(!info[0].next && info[1].next, 'newest attempt open, older folded');
  await p.page.click(`tr.run-attempt-header[data-task-id="${M.multi_attempt_task}"][data-attempt-num="1"]`);
  const open = await p.page.evaluate((task) => document.querySelector(
    `tr.run-attempt-header[data-task-id="${task}"][data-attempt-num="1"]`).nextElementSibling.hidden, M.multi_attempt_task);
  check(!open, 'click opens an attempt');
  await p.assertClean();  // includes one 3 s refresh
  const inj = await injected(p.page);
  check(!inj.handlers.length && !inj.img && !inj.inline, 'hostile titles stay text: ' + JSON.stringify(inj));
  await p.close();
});

await test('run page: step output and poll', async () => {
  const p = await openPage(b, '/runs/' + enc(M.running_run), { settleMs: 2600 });
  const link = await p.page.$('a.step-output-link');
  check(link, 'output links');
  await link.click();
  await p.page.waitForSelector('tr.output-row pre.step-output');
  await p.page.waitForFunction(() => document.querySelector('pre.step-output').textContent !== 'Loading\u2026');
  // A step without an output file answers 404 (shown as "No output
  // available."); the browser logs that fetch, which is not a page fault.
  for (let i = p.problems.length - 1; i >= 0; i--)
    if (/\/steps\/[^/]+\/output/.test(p.problems[i]) && /404/.test(p.problems[i])) p.problems.splice(i, 1);
  await p.assertClean();
  await p.close();
});

await test('hostile run page renders as text', async () => {
  const p = await openPage(b, '/runs/' + enc(M.hostile_run));
  const text = await p.page.evaluate(() => document.body.textContent);
  check(text.includes("<script>alert('err')</script>"), 'error shown literally');
  const inj = await injected(p.page);
  check(!inj.handlers.length && !inj.img && !inj.inline, JSON.stringify(inj));
  await p.assertClean();
  await p.close();
});

await test('task page and failed tasks', async () => {
  let p = await openPage(b, '/tasks/' + enc(M.multi_attempt_task));
  const hidden = await p.page.evaluate(() => [...document.querySelectorAll('.attempt-block-body')].map((x) => x.hidden));
  check(hidden.length >= 2 && !hidden[0] && hidden[1], 'newest attempt open');
  await p.assertClean();
  await p.close();
  p = await openPage(b, '/failed-tasks', { settleMs: 5600 });
  await p.assertClean();  // includes one 5 s refresh
  await p.close();
});

await finish(b);
