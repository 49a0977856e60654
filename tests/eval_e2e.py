#!/usr/bin/env python3
"""End-to-end test of `mlcalc eval` against a real HTTP server on 127.0.0.1 (started here, on a
free port) that speaks the OpenAI streaming protocol with controlled delays, errors and broken
streams. Nothing leaves the machine. Run by ctest with MLCALC set to the binary."""
import http.server
import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

MLCALC = os.environ.get("MLCALC", "mlcalc")
STATE = {"n": 0, "mode": "ok", "auth": None}
LOCK = threading.Lock()
WORDS = ["The", " answer", " is", " 42", ".", ""]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with LOCK:
            STATE["n"] += 1
            n = STATE["n"]
            STATE["auth"] = self.headers.get("Authorization")
        mode = STATE["mode"]
        if mode == "fail3" and n % 3 == 0 or mode == "always500":
            return self.plain(500, b'{"error": "boom"}')
        if mode == "429once" and n == 1:
            return self.plain(429, b'{"error": "slow down"}')
        if mode == "notjson":
            return self.plain(200, b"<html>gateway</html>", "text/html")
        if mode == "nostream":
            resp = {"choices": [{"message": {"role": "assistant", "content": "The answer is 42."}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 6}}
            return self.plain(200, json.dumps(resp).encode(), "application/json")
        chat = "messages" in body
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        time.sleep(0.08)
        for i, w in enumerate(WORDS):
            if i:
                time.sleep(0.015)
            if mode == "malformed" and i == 2:
                self.wfile.write(b"data: {not json\n\n")
                continue
            ch = {"choices": [{"index": 0, "delta": {"content": w}, "text": w}]} if chat else \
                 {"choices": [{"index": 0, "text": w}]}
            self.wfile.write(f"data: {json.dumps(ch)}\n\n".encode())
            self.wfile.flush()
        if mode == "truncated":
            self.close_connection = True
            return
        u = {"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 5}}
        self.wfile.write(f"data: {json.dumps(u)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()
        self.close_connection = True

    def plain(self, code, data, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


FAILS = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        FAILS.append(name)


def run(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([MLCALC] + args, capture_output=True, text=True, env=e, timeout=120)
    return p.returncode, p.stdout, p.stderr


def evaluate(url, extra, mode="ok", env=None):
    STATE["mode"], STATE["n"] = mode, 0
    rc, out, err = run(["eval", "--endpoint", url, "--model", "test-model", "--format", "json", "-q"] + extra, env)
    return rc, (json.loads(out) if rc == 0 and out.strip() else None), err


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    d = tempfile.mkdtemp()
    suite = os.path.join(d, "suite.jsonl")
    with open(suite, "w") as f:
        f.write('{"id": "a", "prompt": "6 x 7?", "check": "numeric", "expected": 42}\n')
        f.write('{"id": "b", "prompt": "say it", "check": "contains", "expected": "answer is"}\n')
        f.write('{"id": "c", "messages": [{"role": "user", "content": "hi"}], "check": "regex", "expected": "4\\\\d"}\n')
        f.write('{"id": "d", "prompt": "x", "check": "exact", "expected": "nope"}\n')
        f.write('{"id": "e", "prompt": "x", "check": "refuse"}\n')
        f.write('{"id": "f", "prompt": "x", "check": "answer"}\n')

    # Latency: 80 ms to the first token, 15 ms between tokens; accuracy by check kind.
    rc, j, err = evaluate(url, ["--suite", suite, "--price-in", "1", "--price-out", "2"])
    e = j["result"]["endpoints"][0] if j else {}
    check("eval runs", rc == 0, err)
    check("every request completed", e.get("completed") == e.get("requests") == 6, e)
    check("TTFT p50 about 80 ms", 0.07 <= (e.get("ttft_p50_s") or 0) <= 0.2, e.get("ttft_p50_s"))
    check("ITL p50 about 15 ms", 0.012 <= (e.get("itl_p50_s") or 0) <= 0.05, e.get("itl_p50_s"))
    check("accuracy 4/6 (numeric, contains, regex, answer pass; exact, refuse fail)",
          abs((e.get("accuracy") or 0) - 4 / 6) < 1e-9, e.get("accuracy_by_kind"))
    check("refusal rate 0", e.get("refusal_rate") == 0, e.get("refusal_rate"))
    # Cost from usage: 6 requests x (20 in x $1 + 5 out x $2) / 1e6 per request x 1000.
    check("$ per 1k requests from usage", abs((e.get("usd_per_1k_requests") or 0) - 1000 * (20 + 10) / 1e6) < 1e-12,
          e.get("usd_per_1k_requests"))

    # A server failing every third request: retried (counted), nothing lost; --out has every id.
    log = os.path.join(d, "out.jsonl")
    rc, j, err = evaluate(url, ["--suite", suite, "--concurrency", "2", "--out", log], "fail3")
    e = j["result"]["endpoints"][0] if j else {}
    lines = [json.loads(x) for x in open(log)] if os.path.exists(log) else []
    check("failing server: all completed after retries", e.get("completed") == 6 and e.get("retries", 0) >= 1, e)
    check("failing server: one line per request in --out", sorted(x["id"] for x in lines) == list("abcdef"), lines)
    check("price missing: cost unknown (null), not 0", e.get("usd_per_1k_requests", 0) is None, e)

    # --resume: nothing left to send, the scorecard still covers the suite.
    rc, j, err = evaluate(url, ["--suite", suite, "--out", log, "--resume"], "always500")
    e = j["result"]["endpoints"][0] if j else {}
    check("--resume sends nothing already done", STATE["n"] == 0 and e.get("requests") == 6, (STATE["n"], e))

    # Always 500: bounded retries, errors by kind, exit 0 with the scorecard.
    rc, j, err = evaluate(url, ["--suite", suite, "--retries", "1"], "always500")
    e = j["result"]["endpoints"][0] if j else {}
    check("500s: errors by kind", e.get("errors") == {"http_500": 6} and e.get("completed") == 0, e)
    check("500s: bounded retries", STATE["n"] == 12, STATE["n"])
    check("500s: null latency, not 0", e.get("ttft_p50_s", 0) is None, e)

    for mode, kind in [("malformed", "malformed_stream"), ("truncated", "truncated_stream"),
                       ("notjson", "malformed_body")]:
        rc, j, err = evaluate(url, ["--suite", suite], mode)
        e = j["result"]["endpoints"][0] if j else {}
        check(f"{mode}: recorded as {kind}", rc == 0 and e.get("errors", {}).get(kind) == 6, (rc, err, e))

    rc, j, err = evaluate(url, ["--suite", suite], "nostream")
    e = j["result"]["endpoints"][0] if j else {}
    check("a server that does not stream: answers read, accuracy kept", e.get("completed") == 6 and
          abs((e.get("accuracy") or 0) - 4 / 6) < 1e-9, e)

    rc, j, err = evaluate(url, ["--suite", suite, "--api", "completions", "--api-key-env", "EVAL_TEST_KEY"], "429once",
                          {"EVAL_TEST_KEY": "sekret"})
    e = j["result"]["endpoints"][0] if j else {}
    check("completions API, a 429 retried, the key sent", e.get("completed") == 6 and e.get("retries") == 1 and
          STATE["auth"] == "Bearer sekret", (e, STATE["auth"]))

    # Two endpoints side by side (the second unreachable: a connect error per request).
    STATE["mode"], STATE["n"] = "ok", 0
    rc, out, err = run(["eval", "--endpoint", url, "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--suite",
                        suite, "--retries", "0", "--format", "json", "-q"])
    eps = json.loads(out)["result"]["endpoints"] if rc == 0 else []
    check("two endpoints side by side", len(eps) == 2 and eps[1].get("errors") == {"connect": 6}, (rc, err, eps))

    # The default suite runs (the acceptance check's shape).
    rc, j, err = evaluate(url, [])
    e = j["result"]["endpoints"][0] if j else {}
    check("default suite", rc == 0 and e.get("requests", 0) >= 12 and e.get("completed") == e.get("requests"), e)

    # Bad input: one clear message each.
    bad = os.path.join(d, "bad.jsonl")
    with open(bad, "w") as f:
        f.write('{"id": "a", "prompt": "x", "check": "answer"}\nnot json\n{"id": "b", "prompt": "x", "check": "vibes"}\n')
    rc, out, err = run(["eval", "--endpoint", url, "--model", "m", "--suite", bad, "--strict"])
    check("--strict: a bad line stops with file:line", rc == 1 and "bad.jsonl:2: not a JSON object" in err, err)
    STATE["mode"] = "ok"
    rc, out, err = run(["eval", "--endpoint", url, "--model", "m", "--suite", bad, "--format", "json"])
    w = json.loads(out)["warnings"] if rc == 0 else []
    check("non-strict: bad lines reported and skipped", rc == 0 and any("bad.jsonl:2" in x for x in w) and
          any("unknown check 'vibes'" in x for x in w), (rc, err, w))
    rc, out, err = run(["eval", "--endpoint", "ftp://x", "--model", "m"])
    check("a non-HTTP endpoint is a usage error", rc == 2 and "http://" in err, err)
    rc, out, err = run(["eval", "--endpoint", url, "--model", "m", "--api-key-env", "MLCALC_NO_SUCH_VAR"])
    check("an unset key variable is named", rc == 1 and "MLCALC_NO_SUCH_VAR" in err, err)
    rc, out, err = run(["eval", "--endpoint", url, "--model", "m", "--price-in", "1"])
    check("half a price is a usage error", rc == 2 and "--price-out" in err, err)
    rc, out, err = run(["eval", "--endpoint", url, "--model", "m", "--tp", "2"])
    check("--tp without --predict is refused", rc == 2 and "--predict" in err, err)
    srv.shutdown()
    print(f"{len(FAILS)} failed" if FAILS else "all eval end-to-end checks hold")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
