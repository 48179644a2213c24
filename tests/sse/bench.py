#!/usr/bin/python3
"""Numbers for the stream helper, through lighttpd (started by bench.sh).

 1. memory: RSS of the helper at 0 and at 2,000 idle streams
 2. latency: line appended to full.log -> event read, 1,000 streams open
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
U = urllib.parse.urlsplit(os.environ["SSE_URL" if "--direct" in sys.argv else "DASH_URL"])
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
    if not pid:
        return 0.0
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


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


def bench_latency(run, nstreams, lines):
    """nstreams streams read by the C reader; lines appended 50 ms apart,
    each carrying its CLOCK_MONOTONIC time of writing."""
    secs = 3 + lines // 20 + 4
    p = subprocess.Popen([reader_bin(), HOST, str(PORT), spath(run.id), str(nstreams), str(secs)],
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()          # "ready": every socket connected
    time.sleep(2)                # and every replay read
    lpid = int(os.environ.get("LIGHTTPD_PID") or 0)
    c0, l0, w0 = cpu_s(), cpu_s(lpid), time.time()
    for i in range(lines):
        run.append(b"[2026-01-01T00:00:01Z] [script] lat %d %d\n" % (i, time.monotonic_ns()))
        time.sleep(0.05)
    helper_cpu = (cpu_s() - c0) / (time.time() - w0)
    lighttpd_cpu = (cpu_s(lpid) - l0) / (time.time() - w0)
    lat = [float(x) for x in p.stdout.read().split()]
    p.wait()
    exp = nstreams * lines
    print("latency: %d streams, %d lines appended 50 ms apart: %d/%d events seen; "
          "append->read p50 %.2f ms, p99 %.2f ms, max %.2f ms (CPU: helper %.2f, lighttpd %.2f cores; "
          "load average %s)"
          % (nstreams, lines, len(lat), exp, pct(lat, 50), pct(lat, 99), max(lat or [0]), helper_cpu,
             lighttpd_cpu, os.getloadavg()[0]))


def bench_lat(nstreams, lines):
    run = OwnRun([b"[2026-01-01T00:00:00Z] [script] line 0\n"])
    bench_latency(run, nstreams, lines)
    run.remove()


def bench_memlat(n, lines):
    run, socks = bench_memory(n)
    for s in socks:
        s.close()
    bench_latency(run, 1000, lines)
    run.remove()


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
        globals()["bench_" + only[0]](*[int(x) for x in sys.argv[-1].split(",")])
        return
    print("# helper pid %d behind lighttpd at %s%s" % (PID, os.environ["DASH_URL"], " (quick)" if QUICK else ""))
    bench_memlat(500 if QUICK else 2000, 40 if QUICK else 100)
    bench_cpu(50, 1000, 100, 5 if QUICK else 10)
    bench_reconnect(200 if QUICK else 1000)
    bench_churn(10000 if QUICK else 100000)


if __name__ == "__main__":
    main()
