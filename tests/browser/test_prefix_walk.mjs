// Walks every page of a dashboard mounted under a prefix (DASH_URL with a
// path, e.g. http://127.0.0.1:PORT/tools/cloche; run by
// tests/deploy/test_https_prefix.sh) and asserts that every request the
// page makes (assets, API polls, log streams), every link, form action and
// src stays under the prefix, and that no console error, CSP violation or
// failed request occurs. Under a root mount (the lighttpd lane) there is
// nothing to prove and it says so.
import fs from 'node:fs';
import path from 'node:path';
import { startBrowser, openPage, test, check, finish, dashUrl } from './lib.mjs';

const base = new URL(dashUrl());
const prefix = base.pathname.replace(/\/+$/, '');
if (!prefix) {
  console.log('# DASH_URL has no prefix: nothing to walk (tests/deploy/test_https_prefix.sh runs this under /tools/cloche)');
  process.exit(0);
}
const M = JSON.parse(fs.readFileSync(path.join(process.env.DEMO_DIR || '', 'manifest.json'), 'utf8'));
const enc = encodeURIComponent;
const proj = M.main_project;
const pages = ['/', '/runs', `/runs/${enc(M.errored_step_run)}`, `/runs/${enc(M.running_run)}`,
  `/tasks/${enc(M.failed_task)}`, '/failed-tasks', `/projects/${enc(proj)}`,
  `/projects/${enc(proj)}/runs`, '/usage'];
const under = (u) => {
  if (u.startsWith('data:') || u.startsWith('#')) return true;
  const x = new URL(u, base);
  return x.origin === base.origin && (x.pathname === prefix || x.pathname.startsWith(prefix + '/'));
};

const b = await startBrowser();
for (const rel of pages) {
  await test(`everything under ${prefix}: ${rel}`, async () => {
    const requested = [];
    const p = await openPage(b, rel, { settleMs: 1500, onRequest: (r) => requested.push(r.url()) });
    check(p.response && p.response.status() === 200, `status ${p.response && p.response.status()}`);
    const attrs = await p.page.evaluate(() => [...document.querySelectorAll('[href],[src],[action],[formaction]')]
      .flatMap((e) => ['href', 'src', 'action', 'formaction'].filter((a) => e.hasAttribute(a))
        .map((a) => `${e.tagName.toLowerCase()} ${a}=${e.getAttribute(a)}`)));
    // Links to elsewhere on purpose (none expected) would be absolute http(s) URLs of other origins.
    const badAttrs = attrs.filter((s) => !under(s.slice(s.indexOf('=') + 1)));
    const badReqs = requested.filter((u) => !under(u));
    check(badAttrs.length === 0, `outside the prefix: ${badAttrs.slice(0, 5).join(', ')}`);
    check(badReqs.length === 0, `requests outside the prefix: ${badReqs.slice(0, 5).join(', ')}`);
    check(requested.some((u) => u.includes(`${prefix}/static/`)), 'no asset requested under the prefix');
    await p.assertClean();
    await p.close();
  });
}
await finish(b);
