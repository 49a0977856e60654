#!/usr/bin/env python3
"""End-to-end test of `--download` against a Hub-like server on 127.0.0.1 (started here, on a free
port): GET /ORG/NAME/resolve/main/config.json, a gated repo that wants HF_TOKEN, a 404, a repo whose
body is not JSON. HF_ENDPOINT points mlcalc at it; HF_HUB_CACHE at an empty folder, so nothing
is found locally. Nothing leaves the machine. Run by ctest with MLCALC set to the binary."""
import http.server
import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading

MLCALC = os.environ.get("MLCALC", "mlcalc")
# Llama-3.1-8B's shape (meta-llama/Llama-3.1-8B config.json): 8,030,261,248 parameters.
CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
          "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
          "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
          "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
SEEN = []


class Hub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        SEEN.append((self.path, self.headers.get("Authorization")))
        if self.path == "/acme/Open-8B/resolve/main/config.json":
            return self.reply(200, json.dumps(CONFIG).encode())
        if self.path == "/acme/Gated-8B/resolve/main/config.json":
            if self.headers.get("Authorization") == "Bearer hf_test_token":
                return self.reply(200, json.dumps(CONFIG).encode())
            return self.reply(401, b'{"error": "Access to model acme/Gated-8B is restricted."}')
        if self.path == "/acme/Broken/resolve/main/config.json":
            return self.reply(200, b"<html>not json</html>", "text/html")
        self.reply(404, b'{"error": "Repository not found"}')


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def mlc(args, token=None):
    env = dict(os.environ, HF_ENDPOINT=ENDPOINT, HF_HUB_CACHE=CACHE)
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    r = subprocess.run([MLCALC] + args, capture_output=True, text=True, env=env, timeout=60)
    return r.returncode, r.stdout, r.stderr


failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail))
    if not ok:
        failures.append(what)


srv = Server(("127.0.0.1", 0), Hub)
threading.Thread(target=srv.serve_forever, daemon=True).start()
ENDPOINT = f"http://127.0.0.1:{srv.server_address[1]}/"  # a trailing slash, as users write it
CACHE = tempfile.mkdtemp()

# Never by default: without --download nothing is fetched and the error says how to fetch.
rc, out, err = mlc(["describe", "acme/Open-8B"])
check("without --download: exit 1, nothing fetched", rc == 1 and not SEEN, f"{rc} {SEEN}")
check("without --download: the error names --download", "--download" in err, err)

rc, out, err = mlc(["describe", "acme/Open-8B", "--download", "--format", "json"])
check("--download: describe runs", rc == 0, err)
if rc == 0:
    r = json.loads(out)["result"]
    check("--download: the fetched config is read (8,030,261,248 parameters)",
          r.get("params_total") == 8030261248, str(r.get("params_total")))
check("--download: the URL is $HF_ENDPOINT/ORG/NAME/resolve/main/config.json",
      SEEN and SEEN[-1][0] == "/acme/Open-8B/resolve/main/config.json", str(SEEN))
check("--download: no token sent when HF_TOKEN is unset", SEEN and SEEN[-1][1] is None, str(SEEN))
check("--download: nothing written to the cache", os.listdir(CACHE) == [], str(os.listdir(CACHE)))

rc, out, err = mlc(["describe", "acme/Gated-8B", "--download"])
check("gated without HF_TOKEN: exit 1 naming HF_TOKEN", rc == 1 and "HF_TOKEN" in err and "401" in err, err)
rc, out, err = mlc(["describe", "acme/Gated-8B", "--download"], token="hf_test_token")
check("gated with HF_TOKEN: runs, the token sent as a bearer", rc == 0 and SEEN[-1][1] == "Bearer hf_test_token",
      f"{rc} {err} {SEEN[-1]}")

rc, out, err = mlc(["describe", "acme/Missing", "--download"])
check("404: exit 1, says no such repository", rc == 1 and "404" in err, err)
rc, out, err = mlc(["describe", "acme/Broken", "--download"])
check("not JSON: exit 1, invalid JSON named", rc == 1 and "invalid JSON" in err, err)
rc, out, err = mlc(["describe", "llama-3.1-8b", "--download"])
check("a database model: --download says it fetched nothing", rc == 0 and "fetched nothing" in err, err)

# Unreachable endpoint: a clear error, not a crash.
srv.shutdown()
srv.server_close()
rc, out, err = mlc(["describe", "acme/Open-8B", "--download"])
check("unreachable endpoint: exit 1 with the transport error", rc == 1 and "--download" in err, f"{rc} {err}")

sys.exit(1 if failures else 0)
