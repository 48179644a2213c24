// A run of the stand-in daemon streams live into the run page: the page
// opens exactly one stream, says it is connected, shows lines that arrive
// after it loaded (agent output before its step completes, through the
// daemon's StreamLogs), and says "finished" when the run ends.
import { startBrowser, openPage, test, check, finish } from './lib.mjs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const httpDir = fileURLToPath(new URL('../http', import.meta.url));

// RunWorkflow("main") on the stand-in, through the same helper the SSE
// HTTP tests use; returns the new run's id.
function startLiveRun() {
  const py = 'import sys; sys.path.insert(0, sys.argv[1]); from sse_client import start_live_run; print(start_live_run())';
  return execFileSync('/usr/bin/python3', ['-c', py, httpDir], { encoding: 'utf8', timeout: 60000 }).trim();
}

const b = await startBrowser();

// One attempt: the run may outpace a slow page load, so the caller retries
// with a fresh run when no line arrived after the page was up.
async function watchOnce() {
  const rid = startLiveRun();
  check(/^[A-Za-z0-9_.:-]+$/.test(rid), `run id ${rid}`);
  const streams = [];
  const p = await openPage(b, '/runs/' + encodeURIComponent(rid), {
    waitUntil: 'domcontentloaded',
    onRequest: (r) => { if (/\/stream(\?|$)/.test(r.url())) streams.push(r.url()); },
  });
  await p.page.waitForFunction(() => window.ClocheLog, null, { timeout: 15000 });
  const before = await p.page.evaluate(() => window.ClocheLog.lines().length);
  const grew = await p.page.waitForFunction((n) => window.ClocheLog.lines().length > n, before, { timeout: 20000 })
    .then(() => true, () => false);
  if (!grew) { await p.close(); return false; }
  // Agent output arrives through the daemon's StreamLogs before its step ends.
  await p.page.waitForFunction(() => window.ClocheLog.lines().some((l) => l.type === 'llm'), null, { timeout: 30000 });
  // The run ends: the status line says so.
  await p.page.waitForFunction(() => /finished/.test(document.body.textContent), null, { timeout: 60000 });
  const lines = await p.page.evaluate(() => window.ClocheLog.lines().map((l) => l.type + ' ' + l.content));
  check(lines.some((l) => l.startsWith('status step_started:')), 'no status line in the live log');
  const dupes = lines.filter((l, i) => l.startsWith('status') && lines.indexOf(l) !== i);
  check(dupes.length === 0, `status lines repeated: ${dupes.slice(0, 3).join(' | ')}`);
  check(streams.length === 1, `the page opened ${streams.length} streams: ${streams.join(', ')}`);
  // The viewer closes its EventSource on "done": Chromium reports that as an
  // aborted request, which is the intended end of the stream, not an error.
  const aborted = (m) => /request failed: .*\/stream(\?\S*)? net::ERR_ABORTED/.test(m);
  p.problems.splice(0, p.problems.length, ...p.problems.filter((m) => !aborted(m)));
  await p.assertClean();
  await p.close();
  return true;
}

await test('a live run streams into the page over one connection', async () => {
  check(process.env.CLOCHE_ADDR, 'no stand-in daemon (CLOCHE_ADDR)');
  let ok = false;
  for (let i = 0; i < 3 && !ok; i++) ok = await watchOnce();
  check(ok, 'no line arrived live in three runs');
});

await finish(b);
