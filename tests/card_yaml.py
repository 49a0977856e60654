#!/usr/bin/env python3
# `mlcalc card` end to end: the YAML front matter of every card parses (PyYAML, python3-yaml) to
# exactly the front matter `--format json` reports, and its model-index follows the Hub's schema
# (huggingface/hub-docs modelcard.md: - name, results: [- task: {type}, dataset: {type, name},
# metrics: [- type, value]]). Cards: a database model with lm-evaluation-harness results and an
# --info file, the safetensors fixture directory, a config-only directory, and an --info file of
# strings YAML would misread unquoted; then 300 malformed safetensors files.
import json, os, shutil, subprocess, sys, tempfile

import yaml

MLCALC = os.environ.get("MLCALC", "mlcalc")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "card-tiny")
RESULTS = os.path.join(ROOT, "examples", "card-results.json")
INFO = os.path.join(ROOT, "examples", "card-info.toml")
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail))
    if not ok:
        failures.append(what)


def card(args):
    md = subprocess.run([MLCALC, "card", *args, "--quiet"], capture_output=True, text=True)
    js = subprocess.run([MLCALC, "card", *args, "--quiet", "--format", "json"], capture_output=True, text=True)
    if md.returncode != 0 or js.returncode != 0:
        check("mlcalc card " + " ".join(args) + " runs", False, md.stderr + js.stderr)
        return None, None
    return md.stdout, json.loads(js.stdout)["result"]


def front_matter(text):
    if not text.startswith("---\n"):
        return None
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])


def schema(mi, name):
    errors = []
    if not isinstance(mi, list) or not mi:
        return ["model-index is not a non-empty list"]
    for e in mi:
        if not isinstance(e.get("name"), str):
            errors.append("entry without a name")
        for r in e.get("results", []):
            if not isinstance(r.get("task", {}).get("type"), str):
                errors.append("result without task.type")
            ds = r.get("dataset", {})
            if not isinstance(ds.get("type"), str) or not isinstance(ds.get("name"), str):
                errors.append("result without dataset.type and dataset.name")
            ms = r.get("metrics")
            if not isinstance(ms, list) or not ms:
                errors.append("result without metrics")
            for m in ms or []:
                if not isinstance(m.get("type"), str) or not isinstance(m.get("value"), (int, float)):
                    errors.append(f"metric without type and numeric value: {m}")
                if "verified" in m and not isinstance(m["verified"], bool):
                    errors.append("verified is not a boolean")
    return errors


tmp = tempfile.mkdtemp()
try:
    # 1. a database model, lm-evaluation-harness results, the example --info
    md, res = card(["llama-3.1-8b", "--eval", RESULTS, "--info", INFO])
    if md:
        fm = front_matter(md)
        check("database model: front matter parses", isinstance(fm, dict))
        check("database model: YAML equals the JSON front matter", fm == res["front_matter"],
              f"{fm} != {res['front_matter']}")
        mi = fm.get("model-index") if isinstance(fm, dict) else None
        errs = schema(mi, "llama")
        check("database model: model-index follows the Hub schema", not errs, "; ".join(errs))
        vals = [m["value"] for e in mi or [] for r in e["results"] for m in r["metrics"]]
        check("database model: hellaswag acc_norm 0.7912 in model-index", 0.7912 in vals, str(vals))
        check("database model: serving requirements in GiB", "## Serving requirements" in md and "GiB" in md)
        check("database model: license from --info", fm.get("license") == "llama3.1", str(fm.get("license")))

    # 2. the safetensors fixture
    md, res = card([FIXTURE])
    if md:
        fm = front_matter(md)
        check("safetensors dir: front matter parses", isinstance(fm, dict) and fm == res["front_matter"], str(fm))
        check("safetensors dir: no model-index without --eval", "model-index" not in fm)
        check("safetensors dir: weight bytes read from the header",
              res["checkpoint"]["weights"]["total_bytes"] == 13472, str(res["checkpoint"]["weights"]))
        check("safetensors dir: TODO sections marked", "> **TODO:**" in md)

    # 3. a config-only directory
    only = os.path.join(tmp, "config-only")
    os.makedirs(only)
    shutil.copy(os.path.join(FIXTURE, "config.json"), only)
    md, res = card([only, "--eval", RESULTS])
    if md:
        fm = front_matter(md)
        check("config-only dir: front matter parses", isinstance(fm, dict) and fm == res["front_matter"], str(fm))
        errs = schema(fm.get("model-index"), "config-only")
        check("config-only dir: model-index follows the Hub schema", not errs, "; ".join(errs))
        check("config-only dir: no weight files", res["checkpoint"]["weights"] is None)

    # 4. strings YAML would misread
    tricky = os.path.join(tmp, "tricky.toml")
    with open(tricky, "w") as f:
        f.write('name = "yes: #1 model"\nlicense = "null"\ntags = ["no", "1.0", "- x", "on", "a: b", "@at", '
                '"2024-01-01", "~", "quote \\" and \\\\ back", "ünïcödé", "*star", "!bang", "%pct", "&amp"]\n'
                'base_model = "true"\nlanguage = "en"\nintended_use = "x"\n')
    md, res = card(["llama-3.1-8b", "--eval", RESULTS, "--info", tricky])
    if md:
        fm = front_matter(md)
        check("tricky strings: YAML equals the JSON front matter", fm == res["front_matter"],
              f"{fm} != {res['front_matter']}")
        check("tricky strings: model name kept", fm["model-index"][0]["name"] == "yes: #1 model")

    # 5. malformed safetensors never crash: random byte flips in the length and the header, random
    # truncations, random header lengths; each run ends with exit 0 or a one-line error (exit 1).
    import random, struct
    rnd = random.Random(13)
    blob = open(os.path.join(FIXTURE, "model.safetensors"), "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    bad = os.path.join(tmp, "mutated")
    os.makedirs(bad)
    shutil.copy(os.path.join(FIXTURE, "config.json"), bad)
    outcomes = {0: 0, 1: 0}
    problems = []
    for i in range(300):
        b = bytearray(blob)
        kind = i % 3
        if kind == 0:
            for _ in range(rnd.randint(1, 4)):
                b[rnd.randrange(0, 8 + n)] = rnd.randrange(256)
        elif kind == 1:
            b = b[:rnd.randrange(0, len(b))]
        else:
            b[:8] = struct.pack("<Q", rnd.choice([0, 1, n - 1, n + 1, len(blob), 2**32, 2**63, rnd.randrange(2**64)]))
        with open(os.path.join(bad, "model.safetensors"), "wb") as f:
            f.write(bytes(b))
        p = subprocess.run([MLCALC, "card", bad, "--quiet"], capture_output=True, text=True, errors="replace")
        if p.returncode in outcomes:
            outcomes[p.returncode] += 1
        if p.returncode not in (0, 1) or (p.returncode == 1 and not p.stderr.startswith("mlcalc: error: ")) \
                or "internal error" in p.stderr:
            problems.append(f"mutation {i}: exit {p.returncode}: {p.stderr[:200]}")
    check("300 malformed safetensors files: exit 0 or one error line, never a crash", not problems,
          "; ".join(problems[:3]))
    print(f"     ({outcomes[1]} rejected, {outcomes[0]} still valid)")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all card checks passed")
