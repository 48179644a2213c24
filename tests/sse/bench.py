#!/usr/bin/python3
"""Numbers for the stream helper, through lighttpd (started by bench.sh).

 1. memory: RSS of the helper at 0 and at 2,000 idle streams
 2. latency: line appended to full.log -> event read, 1,000 streams open:
    all on one run (each line to 1,000 streams: the worst case), spread over
    100 runs x 10 viewers (the usual case), and the floor: a minimal
    upstream (fanout_floor.c) writing to 1,000 streams through lighttpd
 3. CPU: 50 busy runs x 100 lines/s, 1,000 viewers
 4. reconnect correctness: 1,000 random disconnect/reconnect cycles during
    a busy run, lines compared with the file: lost / duplicated
 5. leaks: 100,000 connect/disconnect cycles, helper fds and RSS before/after
Env: DASH_URL, SSE_PID, CLOCHE_DB, DEMO_DIR. --quick: smaller counts.
"""
import multiprocessing
import os
import random
import re
import selectors
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
from sse_client import OwnRun, manifest, parse_sse  # noqa: E402

QUICK = "--quick" in sys.argv
# --direct: talk to the helper itself, without lighttpd (to tell the two apart)
VIA_LIGHTTPD = "--direct" not in sys.argv
U = urllib.parse.urlsplit(os.environ["DASH_URL" if VIA_LIGHTTPD else "SSE_URL"])
HOST, PORT = U.hostname, U.port
PID = int(os.environ["SSE_PID"])


def rss_kb():
    with open("/proc/%d/status" % PID) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


def nfds():
    return len(os.listdir("/proc/%d/fd" % PID))


def cpu_s(pid=PID):
    """CPU time of a process in seconds: the scheduler's nanosecond count
    summed over its threads (/proc/PID/stat ticks are 10 ms, too coarse
    for the short parts)."""
    if not pid:
        return 0.0
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
            total += int(f.read().split()[0])
    return total / 1e9


def open_stream(path, headers=""):
    s = socket.create_connection((HOST, PORT), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, headers)).encode())
    s.setblocking(False)
    return s


def spath(rid, q=""):
    return "/api/runs/%s/stream%s" % (urllib.parse.quote(rid, safe=""), q)


def wait_all(socks, needle, timeout=60):
    """Reads every socket until needle was seen on each."""
    sel = selectors.DefaultSelector()
    seen = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        seen[s] = b""
    left, end = set(socks), time.time() + timeout
    while left and time.time() < end:
        for key, _ in sel.select(0.5):
            try:
                d = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            seen[key.fileobj] = (seen[key.fileobj] + d)[-4096:]
            if needle in seen[key.fileobj] and key.fileobj in left:
                left.discard(key.fileobj)
    sel.close()
    return len(socks) - len(left)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")


def bench_memory(n):
    run = OwnRun([b"[2026-01-01T00:00:00Z] [script] line 0\n"])
    warm = open_stream(spath(run.id))
    wait_all([warm], b"line 0")
    warm.close()
    time.sleep(0.5)
    r0, f0 = rss_kb(), nfds()
    socks = []
    for i in range(n):
        socks.append(open_stream(spath(run.id)))
        if i % 200 == 199:
            wait_all(socks[-200:], b"line 0")
    if n % 200:
        wait_all(socks[-(n % 200):], b"line 0")
    ok = n
    time.sleep(1.0)
    r1, f1 = rss_kb(), nfds()
    print("memory: %d idle streams open (%d confirmed); helper RSS %.1f MB -> %.1f MB; "
          "%.2f KB per added stream; helper fds %d -> %d"
          % (n, ok, r0 / 1024, r1 / 1024, (r1 - r0) / n, f0, f1))
    return run, socks


def reader_bin():
    """tests/sse/sse_reader.c, built on demand: a Python select loop over
    1,000 sockets is itself slower than the helper (it added tens of ms)."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sse_reader.c")
    out = os.path.join(os.path.dirname(src), "..", "..", "build", "sse_reader")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.check_call(["gcc", "-O2", "-Wall", "-o", out, src])
    return out


def read_latencies(paths, nstreams, secs, host=None, port=None):
    """Starts the C reader on nstreams streams over paths (one, or spread
    round-robin); returns it once every stream is open and replayed."""
    arg = paths[0]
    if len(paths) > 1:
        arg = "@" + os.path.join(os.environ.get("TMPDIR", "/tmp"), "sse-bench-paths.%d" % os.getpid())
        with open(arg[1:], "w") as f:
            f.write("\n".join(paths) + "\n")
    p = subprocess.Popen([reader_bin(), host or HOST, str(port or PORT), arg, str(nstreams), str(secs)],
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()          # "ready": every socket connected
    time.sleep(2)                # and every replay read
    return p


def lat_report(name, what, p, nstreams, nlines, per_line, cpu):
    lat = [float(x) for x in p.stdout.read().split()]
    p.wait()
    print("%s: %s: %d/%d events seen; append->read p50 %.2f ms, p99 %.2f ms, max %.2f ms "
          "(%s; load average %.2f)"
          % (name, what, len(lat), nlines * per_line, pct(lat, 50), pct(lat, 99), max(lat or [0]), cpu,
             os.getloadavg()[0]))


class Cpu:
    """CPU of the helper and of lighttpd over a part, in cores and in
    microseconds per event delivered."""
    def __init__(self, lpid, hpid=PID):
        self.hpid, self.lpid = hpid, lpid
        self.c0, self.l0, self.w0 = cpu_s(hpid), cpu_s(lpid), time.time()

    def text(self, events, helper="helper"):
        w = time.time() - self.w0
        h, lt = cpu_s(self.hpid) - self.c0, cpu_s(self.lpid) - self.l0
        return ("CPU: %s %.2f cores = %.1f us/event, lighttpd %.2f cores = %.1f us/event"
                % (helper, h / w, 1e6 * h / max(1, events), lt / w, 1e6 * lt / max(1, events)))


def bench_latency(run, nstreams, lines):
    """Worst case: nstreams streams on ONE run, read by the C reader; lines
    appended 50 ms apart, each carrying its CLOCK_MONOTONIC time of
    writing, so each line is fanned out to every stream at once."""
    p = read_latencies([spath(run.id)], nstreams, 3 + lines // 20 + 4)
    cpu = Cpu(int(os.environ.get("LIGHTTPD_PID") or 0) if VIA_LIGHTTPD else 0)
    for i in range(lines):
        run.append(b"[2026-01-01T00:00:01Z] [script] lat %d %d\n" % (i, time.monotonic_ns()))
        time.sleep(0.05)
    lat_report("latency (one run)", "%d streams on one run, %d lines appended 50 ms apart, each to all %d"
               % (nstreams, lines, nstreams), p, nstreams, lines, nstreams, cpu.text(lines * nstreams))


def bench_lat(nstreams, lines):
    run = OwnRun([b"[2026-01-01T00:00:00Z] [script] line 0\n"])
    bench_latency(run, nstreams, lines)
    run.remove()


def bench_spread(nruns, viewers, lines):
    """The usual case, the target as written: nruns x viewers streams open
    (1,000), lines appended to the runs in turn 50 ms apart, each read by
    that run's viewers."""
    runs = [OwnRun([b"[2026-01-01T00:00:00Z] [script] line 0\n"]) for _ in range(nruns)]
    p = read_latencies([spath(r.id) for r in runs], nruns * viewers, 3 + lines // 20 + 4)
    cpu = Cpu(int(os.environ.get("LIGHTTPD_PID") or 0) if VIA_LIGHTTPD else 0)
    for i in range(lines):
        runs[i % nruns].append(b"[2026-01-01T00:00:01Z] [script] lat %d %d\n" % (i, time.monotonic_ns()))
        time.sleep(0.05)
    lat_report("latency (spread)", "%d streams open on %d runs x %d viewers, %d lines appended to the runs "
               "in turn 50 ms apart" % (nruns * viewers, nruns, viewers, lines),
               p, nruns * viewers, lines, viewers, cpu.text(lines * viewers))
    for r in runs:
        r.remove()


def bench_floor(nstreams, lines):
    """The floor: tests/sse/fanout_floor.c instead of the helper, behind a
    lighttpd with the same config (or direct with --direct). One small
    event formatted once, then one send() per connection: whatever latency
    is left is lighttpd's, the kernel's and the reader's."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fanout_floor.c")
    exe = os.path.join(os.path.dirname(src), "..", "..", "build", "fanout_floor")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.check_call(["gcc", "-O2", "-Wall", "-o", exe, src])
    fport = int(os.environ["FLOOR_PORT"])
    up = subprocess.Popen([exe, str(fport), str(nstreams), str(lines), "50"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)
    fu = urllib.parse.urlsplit(os.environ["FLOOR_URL"])
    host, port = (HOST, fport) if not VIA_LIGHTTPD else (fu.hostname, fu.port)
    p = read_latencies([spath("floor")], nstreams, 3 + lines // 20 + 4, host, port)
    up.stdout.readline()         # "ready": all accepted and answered
    cpu = Cpu(int(os.environ.get("FLOOR_LIGHTTPD_PID") or 0) if VIA_LIGHTTPD else 0, up.pid)
    up.stdin.write("go\n")
    up.stdin.flush()
    sent = up.stdout.readline().strip()
    text = cpu.text(lines * nstreams, "upstream")
    up.stdin.close()
    up.wait()
    lat_report("latency (floor)", "no helper: fanout_floor.c writes %d events 50 ms apart to %d streams "
               "(one send() each%s) [%s]" % (lines, nstreams, ", through lighttpd" if VIA_LIGHTTPD else "", sent),
               p, nstreams, lines, nstreams, text)


def bench_latall(nstreams, lines):
    """All three latency parts, one after the other."""
    bench_lat(nstreams, lines)
    bench_spread(nstreams // 10, 10, 2 * lines)
    bench_floor(nstreams, lines)


def bench_memlat(n, lines):
    run, socks = bench_memory(n)
    for s in socks:
        s.close()
    bench_latency(run, 1000, lines)
    run.remove()
    bench_spread(100, 10, 2 * lines)
    bench_floor(1000, lines)


def appender(paths, rate, secs, q):
    """Appends rate lines/s to each path for secs seconds."""
    fs = [open(p, "ab", buffering=0) for p in paths]
    t0 = time.time()
    n = 0
    while time.time() - t0 < secs:
        for f in fs:
            f.write(b"[2026-01-01T00:00:02Z] [script] busy line %d with some text to look like a log\n" % n)
        n += 1
        time.sleep(max(0, t0 + n / rate - time.time()))
    q.put(n)


def bench_cpu(nruns, viewers, rate, secs):
    runs = [OwnRun([b"[2026-01-01T00:00:00Z] [script] start\n"]) for _ in range(nruns)]
    socks = [open_stream(spath(r.id)) for r in runs for _ in range(viewers // nruns)]
    wait_all(socks, b"start")
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=appender, args=([r.log for r in runs], rate, secs, q))
    c0, t0, got = cpu_s(), time.time(), 0
    p.start()
    while p.is_alive() or time.time() - t0 < secs + 1:
        for key, _ in sel.select(0.05):
            try:
                d = key.fileobj.recv(262144)
            except BlockingIOError:
                continue
            got += d.count(b"busy line")
        if time.time() - t0 > secs + 3:
            break
    c1, t1 = cpu_s(), time.time()
    written = q.get() * nruns
    print("cpu: %d runs x %d lines/s, %d viewers, %.0f s: helper CPU %.2f cores; "
          "%d lines written, %d events delivered (%.0f%% of %d)"
          % (nruns, rate, len(socks), secs, (c1 - c0) / (t1 - t0), written, got,
             100.0 * got / max(1, written * (viewers // nruns)), written * (viewers // nruns)))
    for s in socks:
        s.close()
    sel.close()
    for r in runs:
        r.remove()


def events_of(body):
    """Complete events only: everything up to the last blank line."""
    cut = body.rfind(b"\n\n")
    if cut < 0:
        return []
    return parse_sse(body[:cut + 2])[0]


def bench_reconnect(cycles):
    run = OwnRun([])
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=appender, args=([run.log], 400, 3600, q))
    p.start()
    got, last, t0 = [], None, time.time()
    for i in range(cycles):
        h = "Last-Event-ID: %s\r\n" % last if last else ""
        s = open_stream(spath(run.id, "" if last else "?from=0"), h)
        s.setblocking(True)
        s.settimeout(2)
        body, until = b"", time.time() + random.uniform(0, 0.04)
        while time.time() < until:
            try:
                d = s.recv(random.choice([7, 100, 4096]))
            except socket.timeout:
                break
            if not d:
                break
            body += d
        s.close()   # abrupt, often in the middle of an event
        body = http_body(body)
        for e in events_of(body):
            if "event" not in e and "data" in e:
                got.append(e["data"])
            if "id" in e:
                last = e["id"]
    p.terminate()
    p.join()
    run.finish("succeeded")
    s = open_stream(spath(run.id), "Last-Event-ID: %s\r\n" % last)
    s.setblocking(True)
    s.settimeout(15)
    body = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        body += d
        if b"event: done" in body:
            break
    s.close()
    body = http_body(body)
    for e in events_of(body):
        if "event" not in e and "data" in e:
            got.append(e["data"])
    import json
    contents = [json.loads(x)["content"] for x in got]
    with open(run.log, "rb") as f:
        want = [ln.split(b"] ", 2)[2].decode() for ln in f.read().split(b"\n") if ln]
    have = set(contents)
    missing = [w for w in want if w not in have]
    lost = len(missing)
    if missing:
        print("# lost:", missing[:5], "of", len(want), "last id", last, "size", os.path.getsize(run.log),
              "final body tail", body[-300:])
    dup = len(contents) - len(set(contents))
    print("reconnect: %d random disconnect/reconnect cycles in %.0f s during a run writing 400 lines/s: "
          "%d lines in the log, %d received, %d lost, %d duplicated, order %s, byte-identical %s"
          % (cycles, time.time() - t0, len(want), len(contents), lost, dup,
             "kept" if contents == sorted(contents, key=want.index) else "BROKEN",
             "yes" if contents == want else "NO"))
    run.remove()


def http_body(raw):
    """The (possibly cut) body of a response: lighttpd answers a stream
    that ended before it started sending with Content-Length, not chunks."""
    head, _, b = raw.partition(b"\r\n\r\n")
    return dechunk_partial(b) if b"chunked" in head.lower() else b


def dechunk_partial(b):
    out = b""
    while True:
        i = b.find(b"\r\n")
        if i < 0:
            return out
        try:
            n = int(b[:i], 16)
        except ValueError:
            return out
        chunk = b[i + 2:i + 2 + n]
        out += chunk
        if len(chunk) < n or n == 0:
            return out
        b = b[i + 2 + n + 2:]


def churn(path, n, abrupt):
    for i in range(n):
        s = socket.create_connection((HOST, PORT), timeout=10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        if abrupt and i % 2:
            s.recv(10)
        else:
            while s.recv(65536):
                pass
        s.close()


def bench_churn(total):
    m = manifest()
    path = spath(m["legacy_run"])
    time.sleep(0.5)
    r0, f0, t0 = rss_kb(), nfds(), time.time()
    procs = [multiprocessing.Process(target=churn, args=(path, total // 4, k % 2)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    time.sleep(2)
    print("churn: %d connect/disconnect cycles (half abrupt) in %.0f s: helper fds %d -> %d, RSS %.1f MB -> %.1f MB"
          % (total, time.time() - t0, f0, nfds(), r0 / 1024, rss_kb() / 1024))


def main():
    only = [a[7:] for a in sys.argv if a.startswith("--only=")]
    if only:
        args = [a for a in sys.argv[1:] if not a.startswith("--")]
        globals()["bench_" + only[0]](*[int(x) for x in args[-1].split(",")])
        return
    print("# helper pid %d behind lighttpd at %s%s" % (PID, os.environ["DASH_URL"], " (quick)" if QUICK else ""))
    bench_memlat(500 if QUICK else 2000, 40 if QUICK else 100)
    bench_cpu(50, 1000, 100, 5 if QUICK else 10)
    bench_reconnect(200 if QUICK else 1000)
    bench_churn(10000 if QUICK else 100000)


if __name__ == "__main__":
    main()
