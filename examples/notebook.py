#!/usr/bin/env python3
"""mlcalc in a notebook: the JSON and CSV outputs read into pandas (Debian's python3-pandas).

Run as a test by examples/notebook.sh where pandas is installed; with matplotlib it also draws
the sweep to throughput.png (set OUT to keep it).
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd

mlcalc = os.environ.get("MLCALC", "mlcalc")


def run(*args):
    return subprocess.run([mlcalc, "-q", *args], check=True, capture_output=True, text=True).stdout


# JSON: the envelope's result.rows are one record per batch.
env = json.loads(run("throughput", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--batch", "1..256", "--json"))
rows = pd.DataFrame(env["result"]["rows"])
print(f"inputs: {env['inputs']['input']} in / {env['inputs']['output']} out tokens")
print(rows[["batch", "tokens_per_s_per_user", "output_tokens_per_s_per_gpu", "bound", "fits"]].to_string(index=False))

# CSV: the same command with --format csv is one DataFrame away.
csv = pd.read_csv(io.StringIO(run("throughput", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--batch", "1..256",
                                  "--format", "csv")))
assert (csv["batch"].tolist() == rows["batch"].tolist()), "CSV and JSON disagree"

# The break-even curve, cheapest utilization first.
be = json.loads(run("breakeven", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--gpu-price", "2.5",
                    "--api-price", "0.20/0.60", "--json"))
curve = pd.DataFrame(be["result"]["curve"])
print(curve[curve["cheaper"] == "self-hosted"].head(3).to_string(index=False))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
ax = rows.plot(x="output_tokens_per_s_per_gpu", y="tokens_per_s_per_user", marker="o", logx=True, logy=True,
               legend=False)
ax.set_xlabel("output tokens/s per GPU")
ax.set_ylabel("output tokens/s per user")
out = os.environ.get("OUT") or tempfile.mkdtemp()
plt.savefig(os.path.join(out, "throughput.png"), dpi=100)
