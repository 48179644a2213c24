// The landing page in a real browser: loads without any console error or
// CSP violation, and hostile project names (HTML in a directory name) are
// shown as text, never turned into elements or run as script.
import { startBrowser, openPage, test, check, getJson, finish } from './lib.mjs';

const b = await startBrowser();
const projects = await getJson('/api/projects');
const hostile = projects.filter((p) => /[<>&"]/.test(p.label));

await test('index loads clean', async () => {
  const p = await openPage(b, '/');
  check(p.response.status() === 200, `status ${p.response.status()}`);
  check((await p.page.title()).length > 0, 'page has no title');
  await p.assertClean();
  await p.close();
});

await test('every project has a card with its label', async () => {
  const p = await openPage(b, '/');
  const text = await p.page.evaluate(() => document.body.innerText);
  for (const pr of projects) check(text.includes(pr.label), `label ${JSON.stringify(pr.label)} not shown`);
  await p.close();
});

await test('hostile project names render as text', async () => {
  check(hostile.length > 0, 'the demo has no project with HTML in its name (nothing to prove)');
  const p = await openPage(b, '/');
  const text = await p.page.evaluate(() => document.body.textContent);
  for (const pr of hostile) check(text.includes(pr.label), `hostile label not shown literally: ${JSON.stringify(pr.label)}`);
  const found = await p.page.evaluate(() => ({
    // inline event handlers anywhere, inline scripts, elements the names would inject
    handlers: [...document.querySelectorAll('*')].flatMap((e) =>
      [...e.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => `${e.tagName} ${a.name}`)),
    inlineScripts: [...document.scripts].filter((s) => !s.src).length,
    imgX: document.querySelectorAll('img[src="x"], img[src$="/x"]').length,
    pwned: typeof window.__pwned !== 'undefined',
  }));
  check(found.handlers.length === 0, `inline handlers present: ${found.handlers.join(', ')}`);
  check(found.inlineScripts === 0, `${found.inlineScripts} inline <script> elements`);
  check(found.imgX === 0, 'an <img src=x> from a project name became an element');
  check(!found.pwned, 'injected script ran');
  await p.assertClean();
  await p.close();
});

await test('view runs links stay under the mount point', async () => {
  const p = await openPage(b, '/');
  const base = new URL(process.env.DASH_URL || 'http://127.0.0.1:18080').pathname.replace(/\/+$/, '');
  const hrefs = await p.page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')));
  check(hrefs.length > 0, 'no links on the page');
  const bad = hrefs.filter((h) => h.startsWith('/') && !h.startsWith(base + '/'));
  check(bad.length === 0, `links outside ${base || '/'}: ${bad.slice(0, 5).join(' ')}`);
  await p.close();
});

await finish(b);
