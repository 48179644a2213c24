"""Log content for the demo: Claude stream-json events, script output, and
hostile lines (markup, ANSI, CR/CRLF, invalid UTF-8, SSE look-alikes, giant
lines).  Everything returns bytes or lists of bytes lines (no terminator)."""
import json

from demo_util import append, logts


def sj(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def claude_events(text, tools=(), tin=1200, tout=340, big_tool_result=0):
    """One agent step as Claude stream-json lines: system init, assistant text +
    tool_use, user tool_result (dropped by the viewer), result with usage."""
    ev = [sj({"type": "system", "subtype": "init", "session_id": "s-1", "tools": ["Bash", "Read"]})]
    blocks = [{"type": "text", "text": text}]
    for name, inp in tools:
        blocks.append({"type": "tool_use", "id": "tu_%s" % name, "name": name, "input": inp})
    ev.append(sj({"type": "assistant", "message": {"role": "assistant", "content": blocks}}))
    content = "x" * big_tool_result if big_tool_result else "ok"
    ev.append(sj({"type": "user", "message": {"content": [
        {"type": "tool_result", "tool_use_id": "tu_1", "content": content}]}}))
    ev.append(sj({"type": "assistant", "message": {"content": [{"type": "text", "text": "   "}]}}))
    ev.append(sj({"type": "result", "subtype": "success", "result": "Done: " + text[:40],
                  "usage": {"input_tokens": tin, "output_tokens": tout,
                            "cache_read_input_tokens": 99999, "cache_creation_input_tokens": 5}}))
    return ev


DEFAULT_TOOLS = (("Bash", {"command": "make test && echo " + "y" * 90}),
                 ("Read", {"file_path": "/workspace/src/main.go"}),
                 ("Grep", {"pattern": "func main"}),
                 ("Mystery", {"query": "what is this"}))


def script_lines(step, n=3):
    return [("%s: line %d of output" % (step, i + 1)).encode() for i in range(n)]


HOSTILE_LINES = [
    b"<script>alert(1)</script>",
    b"<img src=x onerror=alert(1)>",
    b"see javascript:alert(1) and [link](javascript:alert(document.cookie))",
    b"\"quoted\" 'single' & ampersand </div></pre></textarea>",
    b"\x1b[31mred error\x1b[0m and \x1b[1;32mbold green\x1b[0m",
    b"invalid utf-8: \xff\xfe\xc3\x28 end",
    b"truncated multibyte: \xe2\x82",
    b"data: x",
    b"event: done",
    b"id: 5",
    b"retry: 1",
    b": comment line",
    b"]] [not] [a marker]",
    b"{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"<b>json html</b>\"}]}}",
    b"tab\there nul-free \x07 bell \x7f del",
    b"\xe2\x80\xae RTL override \xe2\x80\xae",
    b"\\u003cscript\\u003e escaped in source",
]


class FullLog:
    """Accumulates the lines of one attempt directory's full.log, and the
    per-step files, the way the daemon writes them (store.md 3.5/3.6)."""

    def __init__(self, d):
        self.dir = d
        self.path = d + "/full.log" if d else None

    def line(self, t, typ, content):
        if not self.path:
            return
        append(self.path, b"[" + logts(t).encode() + b"] [" + typ.encode() + b"] " + content + b"\n")

    def lines(self, t, typ, contents):
        for c in contents:
            self.line(t, typ, c)

    def raw(self, data):
        if self.path:
            append(self.path, data)

    def step_file(self, name, data):
        if self.dir:
            append(self.dir + "/" + name, data)
