// The run page's viewer and the stream's event IDs (docs/sse.md): on the
// file path an ID is a byte offset, on the daemon's live path a position
// "<seq>.<b>.<s>.<t>". Both say the event is new (the page asked
// ?from=<bytes it loaded>), so the viewer must show every such event even
// when it repeats a loaded line, and skip only file IDs it already has; a
// first stream's meta ID is where Load earlier goes on. The first two
// tests script the stream (page.route) so every case is exact; the last
// one watches the real helper and the stand-in daemon.
import { startBrowser, test, check, eq, finish, dashUrl } from './lib.mjs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const httpDir = fileURLToPath(new URL('../http', import.meta.url));
const py = (code, ...args) => execFileSync('/usr/bin/python3', ['-c', code, httpDir, ...args],
  { encoding: 'utf8', timeout: 60000 }).trim();
const seg = encodeURIComponent;

// A running run of the live project with its own full.log; "rm" removes it.
const ownRun = (text) => JSON.parse(py(`import sys, json; sys.path.insert(0, sys.argv[1])
from sse_client import OwnRun, live_project
r = OwnRun([sys.argv[2].encode()], project=live_project())
print(json.dumps({"id": r.id, "dir": r.dir}))`, text));
const removeRun = (r) => py(`import sys; sys.path.insert(0, sys.argv[1])
from sse_client import OwnRun
r = OwnRun.__new__(OwnRun); r.id, r.dir = sys.argv[2], sys.argv[3]; r.remove()`, r.id, r.dir);

const b = await startBrowser();

// A page whose stream requests are answered by answer(request, n) (n = 0, 1, ...).
async function pageWithStream(rel, answer) {
  const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [], streams = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/favicon/.test(m.location()?.url || '')) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route(/\/stream(\?|$)/, async (route) => {
    const req = route.request();
    streams.push(req.url());
    await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: answer(req, streams.length - 1) });
  });
  await page.goto(dashUrl() + rel);
  await page.waitForFunction(() => window.ClocheLog, null, { timeout: 15000 }).catch(async (e) => {
    throw new Error(`no viewer on ${rel}: ${e.message} ${problems.join('; ')}`);
  });
  return { page, context, problems, streams };
}

const ev = (id, obj, name) => (name ? `event: ${name}\n` : '') + `id: ${id}\ndata: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`;

await test('live IDs: repeated lines shown; after a fallback to the file, file IDs deduplicated', async () => {
  const text = '[2026-01-01T00:00:00Z] [status] step_started: review\n' +
    '[2026-01-01T00:00:01Z] [script] waiting for review\n[2026-01-01T00:00:02Z] [script] checks pending\n';
  const run = ownRun(text);
  try {
    const size = Buffer.byteLength(text);
    const logs = await (await fetch(`${dashUrl()}/api/runs/${seg(run.id)}/logs?tail=1000`)).json();
    eq(logs.size, size, 'log size');
    // The next two live lines say the same as the last two loaded ones.
    const again = logs.lines.slice(-2).map((l) => ({ timestamp: '2026-01-01T00:00:05Z', type: l.type, content: l.content, step_name: l.step_name }));
    const live1 = '1000000000000003.0.1.3', live2 = '1000000000000004.0.1.4';
    const p = await pageWithStream(`/runs/${seg(run.id)}`, (req, n) => n === 0
      ? 'retry: 100\n\n' + ev(live1, again[0]) + ev(live2, again[1])
      // The daemon went away: the helper resumes the client in the file.
      : 'retry: 100\n\n' + ev(size, { timestamp: 'x', type: 'script', content: 'an old line' }) +
        ev(size + 40, { timestamp: '2026-01-01T00:00:06Z', type: 'script', content: 'after the fallback' }) +
        ev(size + 40, 'succeeded', 'done'));
    await p.page.waitForFunction(() => /finished/.test(document.querySelector('.logview-status')?.textContent || ''),
      null, { timeout: 15000 });
    await p.page.waitForTimeout(200);
    const got = await p.page.evaluate(() => window.ClocheLog.lines().map((l) => l.content));
    eq(got, ['step_started: review', 'waiting for review', 'checks pending', 'waiting for review', 'checks pending',
      'after the fallback'], 'lines on the page');
    // (The browser's reconnect carries Last-Event-ID itself; interception
    // does not show that header, test_sse_resume.py checks the helper's side.)
    eq(p.streams.length, 2, 'stream requests');
    check(p.streams.every((u) => u.endsWith(`/stream?from=${size}`)), `streams ask from the loaded end: ${p.streams}`);
    eq(p.problems, [], 'page problems');
    await p.context.close();
  } finally {
    removeRun(run);
  }
});

await test('a first stream that replays the tail enables Load earlier from its meta ID', async () => {
  // No log at page load, then 1,500 lines: the stream sends meta + its tail.
  const run = ownRun('');
  try {
    let body = '';
    for (let i = 0; i < 1500; i++) body += `[2026-01-01T00:00:00Z] [script] line ${i}\n`;
    const p = await pageWithStream(`/runs/${seg(run.id)}`, (req, n) => {
      if (n > 0) return 'retry: 60000\n\n';
      let out = 'retry: 60000\n\n', off = 0;
      const starts = [];
      for (let i = 0; i < 1500; i++) { starts.push(off); off += Buffer.byteLength(`[2026-01-01T00:00:00Z] [script] line ${i}\n`); }
      out += ev(starts[500], '{"skipped":500,"total_lines":1500}', 'meta');
      for (let i = 500; i < 1500; i++) out += ev(i + 1 < 1500 ? starts[i + 1] : off, { timestamp: '2026-01-01T00:00:00Z', type: 'script', content: `line ${i}` });
      return out;
    });
    py(`import sys; open(sys.argv[2], "w").write(sys.argv[3])`, `${run.dir}/full.log`, body);
    await p.page.waitForFunction(() => window.ClocheLog.lines().length >= 1000, null, { timeout: 15000 });
    await p.page.click('.lv-bar button:has-text("Load earlier")');
    await p.page.waitForFunction(() => window.ClocheLog.lines().length >= 1500, null, { timeout: 10000 });
    const got = await p.page.evaluate(() => window.ClocheLog.lines().map((l) => l.content));
    eq(got.length, 1500, 'lines after Load earlier');
    eq([got[0], got[499], got[500], got[1499]], ['line 0', 'line 499', 'line 500', 'line 1499'], 'in order, once');
    eq(p.problems, [], 'page problems');
    await p.context.close();
  } finally {
    removeRun(run);
  }
});

// A page opened when the run already has a step on disk asks the stream
// ?from=<bytes it loaded>: the rest must still come from the daemon's live
// stream (the helper follows it from that offset), not from the file when
// the daemon writes each step's block. Seen as: the page shows the status
// lines of the container's inner steps, which only the live stream has.
// A page that loads after the run ended follows the file: three runs.
async function pageAfterFirstStep() {
  const rid = py(`import sys, time, json, urllib.request, urllib.parse
sys.path.insert(0, sys.argv[1])
from sse_client import start_live_run
rid = start_live_run()
url = sys.argv[2] + "/api/runs/%s/logs?tail=5000" % urllib.parse.quote(rid, safe="")
for _ in range(600):
    d = json.load(urllib.request.urlopen(url))
    if any(l["content"].startswith("step_completed: ") for l in d["lines"]):
        break
    time.sleep(0.05)
print(rid)`, dashUrl());
  const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${dashUrl()}/runs/${seg(rid)}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.ClocheLog, null, { timeout: 15000 });
  const before = await page.evaluate(() => window.ClocheLog.lines().length);
  await page.waitForFunction(() => /finished/.test(document.querySelector('.logview-status')?.textContent || ''),
    null, { timeout: 60000 });
  const step = (c) => c.replace(/^step_\w+: /, '').split(' -> ')[0];
  const shown = await page.evaluate(() => window.ClocheLog.lines().filter((l) => l.type === 'status').map((l) => l.content));
  const file = (await (await fetch(`${dashUrl()}/api/runs/${seg(rid)}/logs?tail=5000`)).json())
    .lines.filter((l) => l.type === 'status').map((l) => l.content);
  const outer = new Set(file.map(step));
  await context.close();
  return { before, inner: shown.filter((c) => !outer.has(step(c))),
    outer: shown.filter((c) => outer.has(step(c))), file };
}

await test('a page opened after the first step follows the daemon from there', async () => {
  check(process.env.CLOCHE_ADDR, 'no stand-in daemon (CLOCHE_ADDR)');
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const r = await pageAfterFirstStep();
    seen.push({ before: r.before, inner: r.inner.length });
    // Every outer step once, in the file's order, whichever way it came.
    eq(r.outer, r.file, 'outer steps on the page');
    if (r.before > 0 && r.inner.length) return;
  }
  check(false, `no live status line reached the page: ${JSON.stringify(seen)}`);
});

await finish(b);
