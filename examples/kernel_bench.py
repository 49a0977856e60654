#!/usr/bin/env python3
"""Times PyTorch (and Triton, where installed) implementations of GEMM, RMSNorm, softmax and
attention over a shape sweep and writes the CSV `mlcalc kernel --measured` reads (README,
"Measured timings"): kernel,impl,<shape fields>,dtype,time_us.

    python3 examples/kernel_bench.py --out timings.csv            # on the first CUDA GPU
    mlcalc kernel gemm -g h100-sxm --measured timings.csv          # each against its roofline

Runs on CPU PyTorch too (--device cpu, small shapes by default there), which checks the script
and the file format; a CPU's timings are not comparable with a GPU's roofline.
"""
import argparse
import csv
import math
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    sys.exit("kernel_bench.py needs PyTorch (pip install torch, or Debian's python3-torch)")

try:  # Triton only matters on a GPU; its absence is fine.
    import triton
    import triton.testing
except ImportError:
    triton = None


def bench(fn, device, reps):
    """Median time of fn() in seconds (CUDA events on a GPU, perf_counter on CPU)."""
    fn()  # warm-up (compilation, caches)
    times = []
    for _ in range(reps):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def rmsnorm_manual(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def attention_naive(q, k, v, causal):
    # Materialises S = QK^T and P = softmax(S) in memory (what FlashAttention avoids).
    s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    if causal:
        n, m = s.shape[-2], s.shape[-1]
        mask = torch.ones(n, m, dtype=torch.bool, device=s.device).tril(m - n)
        s = s.masked_fill(~mask, float("-inf"))
    return torch.softmax(s, dim=-1) @ v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="timings.csv")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default=None, help="bf16 | fp16 | fp32 (default bf16 on GPU, fp32 on CPU)")
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--kernels", default="gemm,rmsnorm,softmax,attention")
    args = ap.parse_args()
    device = torch.device(args.device)
    gpu = device.type == "cuda"
    name = args.dtype or ("bf16" if gpu else "fp32")
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[name]
    reps = args.reps or (20 if gpu else 3)
    sizes = [1024, 2048, 4096, 8192] if gpu else [64, 128]
    rows = []

    def add(kernel, impl, shape, seconds):
        rows.append({"kernel": kernel, "impl": impl, **shape, "dtype": name, "time_us": f"{seconds * 1e6:.3f}"})

    kernels = args.kernels.split(",")
    if "gemm" in kernels:
        for n in sizes:
            a = torch.randn(n, n, device=device, dtype=dtype)
            b = torch.randn(n, n, device=device, dtype=dtype)
            add("gemm", "torch.matmul", {"m": n, "n": n, "k": n}, bench(lambda: a @ b, device, reps))
            if triton is not None and gpu:
                ms = triton.testing.do_bench(lambda: torch.matmul(a, b))
                add("gemm", "triton.do_bench(torch.matmul)", {"m": n, "n": n, "k": n}, ms / 1e3)
    if "rmsnorm" in kernels or "softmax" in kernels:
        for r in sizes:
            cols = 8 * r if gpu else 4 * r
            x = torch.randn(r, cols, device=device, dtype=dtype)
            w = torch.ones(cols, device=device, dtype=dtype)
            shape = {"rows": r, "cols": cols}
            if "rmsnorm" in kernels:
                add("rmsnorm", "torch-eager", shape, bench(lambda: rmsnorm_manual(x, w), device, reps))
                if hasattr(F, "rms_norm"):
                    add("rmsnorm", "F.rms_norm", shape, bench(lambda: F.rms_norm(x, (cols,), w), device, reps))
            if "softmax" in kernels:
                add("softmax", "torch.softmax", shape, bench(lambda: torch.softmax(x, -1), device, reps))
    if "attention" in kernels:
        heads, head_dim, batch = (16, 64, 4) if gpu else (4, 32, 1)
        for s in sizes:
            q = torch.randn(batch, heads, s, head_dim, device=device, dtype=dtype)
            k, v = torch.randn_like(q), torch.randn_like(q)
            shape = {"batch": batch, "heads": heads, "kv_heads": heads, "seq": s, "kv_seq": s,
                     "head_dim": head_dim, "causal": "true"}
            add("attention", "naive", shape, bench(lambda: attention_naive(q, k, v, True), device, reps))
            if hasattr(F, "scaled_dot_product_attention"):
                add("attention", "F.sdpa", shape,
                    bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True), device, reps))

    fields = ["kernel", "impl", "batch", "m", "n", "k", "heads", "kv_heads", "seq", "kv_seq", "head_dim", "causal",
              "rows", "cols", "dtype", "time_us"]
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    print(f"{len(rows)} timings on {device} ({name}) written to {args.out}")


if __name__ == "__main__":
    main()
