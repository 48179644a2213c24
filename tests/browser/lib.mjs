// Shared harness of the browser tests: Debian's Chromium driven by
// playwright-core. A test file does
//
//   import { startBrowser, openPage, test, check, eq, finish } from './lib.mjs';
//   const b = await startBrowser();
//   await test('index loads', async () => {
//     const p = await openPage(b, '/');          // path below DASH_URL
//     check(await p.page.title() !== '', 'no title');
//     p.assertClean();                            // console/page errors, CSP, dialogs
//   });
//   await finish(b);
//
// and prints "ok - <file>:<name>" / "FAIL - <file>:<name>: why" per test;
// finish() exits non-zero when a test failed.
import { chromium } from 'playwright-core';
import path from 'node:path';

const FILE = path.basename(process.argv[1] || 'browser');
let failed = 0;

export const dashUrl = () => (process.env.DASH_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '');

export async function startBrowser() {
  // No network beyond loopback here: every background service is off.
  // launch() gives Chromium a fresh, empty profile dir of its own
  // (playwright refuses --user-data-dir here) and removes it on close.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

// Opens DASH_URL + rel in a fresh context and collects everything that
// went wrong: console errors, uncaught exceptions, CSP violations, failed
// requests, 4xx/5xx subresources and dialogs (alert() from injected code).
export async function openPage(browser, rel, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    const where = m.location()?.url || '';
    // The browser's own guess at /favicon.ico is not the page's doing (the
    // daemon has no favicon either); every other error counts.
    if (m.type() === 'error' && !where.endsWith('/favicon.ico')) problems.push(`console error: ${m.text()} (${where})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog opened: ${d.type()} ${d.message()}`); await d.dismiss(); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  // Callers that count requests (e.g. streams) must see the first ones too.
  if (opts.onRequest) page.on('request', opts.onRequest);
  const response = await page.goto(dashUrl() + rel, { waitUntil: opts.waitUntil || 'load' });
  const p = {
    page, context, response, problems,
    async settle(ms = 300) { await page.waitForTimeout(ms); },
    async cspViolations() { return page.evaluate(() => window.__csp || []); },
    // Throws when anything went wrong on the page so far.
    async assertClean() {
      await page.waitForTimeout(opts.settleMs ?? 300);
      const all = problems.concat((await this.cspViolations()).map((v) => `CSP violation: ${v}`));
      if (all.length) throw new Error(all.join('; '));
    },
    async close() { await context.close(); },
  };
  return p;
}

export class Failure extends Error {}

export function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

export function eq(got, want, what = '') {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) throw new Failure(`${what}: got ${g}, want ${w}`);
}

export async function test(name, fn) {
  try {
    await fn();
    console.log(`ok - ${FILE}:${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${FILE}:${name}: ${e instanceof Failure ? e.message : (e && e.stack) || e}`);
  }
}

// JSON from the dashboard (outside the browser), for expected values.
export async function getJson(rel) {
  const r = await fetch(dashUrl() + rel);
  if (r.status !== 200) throw new Failure(`GET ${rel}: ${r.status}`);
  return r.json();
}

export async function finish(browser) {
  if (browser) await browser.close();
  process.exit(failed ? 1 : 0);
}
