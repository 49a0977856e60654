#!/usr/bin/env python3
"""Write validation/trtllm-perf-overview.toml from the throughput tables of TensorRT-LLM's
"Performance Overview" page.

Source: NVIDIA/TensorRT-LLM@00f37686aa854010d68bcbd0f4ab000221541ca6
docs/source/performance/perf-overview.md. The tables below are copied verbatim from that file
(section "Throughput Measurements"); the metric is "Total Output Throughput (tokens/sec)" of the
whole TP x PP group under maximum load (trtllm-bench throughput, infinite request rate).

Usage:  python3 validation/tools/trtllm_perf_overview_to_toml.py > validation/trtllm-perf-overview.toml
The output is committed; the build never runs this script.
"""

SOURCE = ("NVIDIA/TensorRT-LLM@00f37686aa854010d68bcbd0f4ab000221541ca6 "
          "docs/source/performance/perf-overview.md")
AS_OF = "2026-11-23"  # date read; the commit date of 00f37686 was not available offline

# (model id, short, table text); a table header names GPU, TP[,PP] and precision per column.
TABLES = [
("llama-4-scout", "llama4-scout", """
| Sequence Length (ISL/OSL) | B200<br/>TP1 (FP4) | GB200<br/>TP1 (FP4) | H200<br/>TP4 (FP8) | H100<br/>TP4 (FP8) |
| 128/128 | 25,342 | 19,954 | 30,354 | |
| 128/2048 | 14,699 | 15,238 | 34,316 | 15,130 |
| 128/4096 | 8,932 | 9,556 | 21,332 | 8,603 |
| 500/2000 | 11,977 | 11,795 | 24,630 | 12,399 |
| 1000/1000 | 10,591 | 7,738 | 21,636 | 12,129 |
| 1000/2000 | 9,356 | 8,581 | 18,499 | 9,838 |
| 2048/128 | 3,137 | 3,295 | 3,699 | 3,253 |
| 2048/2048 | 7,152 | 7,464 | 14,949 | 7,972 |
| 5000/500 | 2,937 | 3,107 | 4,605 | 3,342 |
| 20000/2000 | 1,644 | 1,767 | 2,105 | |
"""),
("llama-4-scout", "llama4-scout", """
| Sequence Length (ISL/OSL) | RTX<br/>TP2,PP2 (FP4) | RTX<br/>TP4,PP2 (FP4) |
| 128/128 | 18,644 | 23,454 |
| 128/2048 | 12,321 | 21,035 |
| 128/4096 | 7,643 | 13,421 |
| 1000/1000 | 9,476 | 15,781 |
| 1000/2000 | 8,919 | 16,434 |
| 2048/128 | 2,615 | 2,941 |
| 2048/2048 | 6,208 | 10,410 |
| 5000/500 | 2,662 | |
"""),
("llama-3.3-70b", "llama3.3-70b", """
| Sequence Length (ISL/OSL) | B200<br/>TP1 (FP4) | GB200<br/>TP1 (FP4) | H200<br/>TP1 (FP8) | H100<br/>TP2 (FP8) |
| 128/128 | 11,147 | 12,189 | 3,803 | 6,378 |
| 128/2048 | 9,922 | 11,309 | 4,336 | 6,651 |
| 128/4096 | 6,831 | 7,849 | 2,872 | 4,199 |
| 500/2000 | 7,762 | 9,028 | 3,666 | 5,222 |
| 1000/1000 | 7,007 | 7,326 | 2,909 | 4,205 |
| 1000/2000 | 6,271 | 6,513 | 2,994 | 4,146 |
| 2048/128 | 1,339 | 1,450 | 442 | 762 |
| 2048/2048 | 4,783 | 5,646 | 2,003 | 3,082 |
| 5000/500 | 1,459 | 1,602 | 566 | 898 |
| 20000/2000 | 665 | 755 | 283 | 437 |
"""),
("llama-3.3-70b", "llama3.3-70b", """
| Sequence Length (ISL/OSL) | RTX<br/>TP1,PP1 (FP4) | RTX<br/>TP1,PP2 (FP4) | RTX<br/>TP1,PP4 (FP4) | RTX<br/>TP1,PP8 (FP4) |
| 128/128 | 3,264 | 6,172 | 9,641 | 11,881 |
| 128/2048 | 2,422 | 4,993 | 7,922 | 9,833 |
| 128/4096 | 1,349 | 2,893 | 4,978 | 7,352 |
| 500/2000 | 1,856 | 4,114 | 6,939 | 9,435 |
| 1000/1000 | 1,787 | 3,707 | 5,961 | 8,166 |
| 1000/2000 | 1,594 | 2,993 | 5,274 | 6,943 |
| 2048/128 | 393 | 813 | 1,511 | 2,495 |
| 2048/2048 | 1,074 | 2,336 | 3,870 | 6,078 |
| 5000/500 | 401 | 812 | 1,511 | 2,491 |
| 20000/2000 | 142 | 319 | 630 | 1,148 |
"""),
("qwen3-235b-a22b", "qwen3-235b-a22b", """
| Sequence Length (ISL/OSL) | B200<br/>TP8 (FP4) | H200<br/>TP8 (FP8) | H100<br/>TP8 (FP8) |
| 128/128 | 63,362 | 30,429 | |
| 128/2048 | 66,057 | 42,821 | 19,658 |
| 128/4096 | 39,496 | 26,852 | 12,447 |
| 500/2000 | 57,117 | 28,026 | 18,351 |
| 1000/1000 | 42,391 | 23,789 | 14,898 |
| 1000/2000 | 34,105 | 22,061 | 15,136 |
| 2048/128 | 7,329 | 3,331 | |
| 2048/2048 | 26,854 | 16,672 | 9,924 |
| 5000/500 | 8,190 | 3,623 | 3,225 |
| 20000/2000 | 4,453 | 1,876 | |
"""),
("qwen3-235b-a22b", "qwen3-235b-a22b", """
| Sequence Length (ISL/OSL) | RTX<br/>TP2,PP4 (FP4) |
| 128/128 | 18,890 |
| 128/2048 | 12,494 |
| 128/4096 | 7,715 |
| 500/2000 | 11,157 |
| 1000/1000 | 10,697 |
| 1000/2000 | 10,109 |
| 2048/128 | 3,181 |
| 2048/2048 | 6,712 |
| 5000/500 | 3,173 |
"""),
("qwen3-30b-a3b", "qwen3-30b-a3b", """
| Sequence Length (ISL/OSL) | B200<br/>TP1 (FP4) | GB200<br/>TP1 (FP4) |
| 128/128 | 39,827 | 24,107 |
| 128/2048 | 37,844 | 31,311 |
| 128/4096 | 24,953 | 26,337 |
| 500/2000 | 27,817 | 20,604 |
| 1000/1000 | 25,828 | 17,481 |
| 1000/2000 | 22,051 | 17,177 |
| 2048/128 | 6,251 | 6,595 |
| 2048/2048 | 17,554 | 14,719 |
| 5000/500 | 6,142 | 5,908 |
| 20000/2000 | 2,944 | 3,203 |
"""),
("qwen3-30b-a3b", "qwen3-30b-a3b", """
| Sequence Length (ISL/OSL) | RTX<br/>TP1,PP1 (FP4) | RTX<br/>TP2,PP1 (FP4) | RTX<br/>TP4,PP1 (FP4) | RTX<br/>TP8,PP1 (FP4) |
| 128/128 | 28,011 | 32,646 | 36,819 | 39,490 |
| 128/2048 | 12,540 | 22,744 | 35,715 | 52,676 |
| 128/4096 | 7,491 | 15,049 | 28,139 | 33,895 |
| 500/2000 | 10,695 | 17,266 | 26,175 | 44,088 |
| 1000/1000 | 9,910 | 16,431 | 24,046 | 31,785 |
| 1000/2000 | 8,378 | 13,323 | 25,131 | 28,881 |
| 2048/128 | 3,257 | 3,785 | 4,311 | 4,798 |
| 2048/2048 | 5,908 | 10,679 | 18,134 | 22,391 |
| 5000/500 | 2,530 | 3,799 | 5,212 | 5,965 |
| 20000/2000 | 871 | 1,558 | 2,551 | |
"""),
("llama-4-maverick", "llama4-maverick", """
| Sequence Length (ISL/OSL) | B200<br/>TP8 (FP4) | H200<br/>TP8 (FP8) | H100<br/>TP8 (FP8) |
| 128/128 | 124,323 | 63,994 | |
| 128/2048 | 112,676 | 40,572 | 10,829 |
| 128/4096 | 68,170 | 24,616 | 6,744 |
| 500/2000 | | 37,835 | 10,108 |
| 1000/1000 | 79,617 | 31,782 | 9,677 |
| 1000/2000 | 63,766 | 34,734 | 9,151 |
| 2048/128 | 18,088 | 7,307 | |
| 2048/2048 | 52,195 | 20,957 | 6,916 |
| 5000/500 | | 8,456 | 3,457 |
| 20000/2000 | 12,678 | 4,106 | |
"""),
("llama-4-maverick", "llama4-maverick", """
| Sequence Length (ISL/OSL) | RTX<br/>TP4,PP2 (FP4) |
| 128/128 | 30,583 |
| 128/2048 | 19,146 |
| 128/4096 | 12,165 |
| 500/2000 | 17,870 |
| 1000/1000 | 15,954 |
| 1000/2000 | 12,456 |
| 2048/128 | 4,463 |
| 2048/2048 | 10,727 |
| 5000/500 | 4,613 |
"""),
("llama-3.1-405b", "llama3.1-405b", """
| Sequence Length (ISL/OSL) | B200<br/>TP4 (FP4) | GB200<br/>TP4 (FP4) | H200<br/>TP8 (FP8) | H100<br/>TP8 (FP8) |
| 128/128 | 6,281 | 6,740 | 3,814 | 3,627 |
| 128/2048 | 8,020 | 8,151 | 5,348 | 4,340 |
| 128/4096 | 6,345 | 6,608 | 4,741 | 3,116 |
| 500/2000 | 6,244 | 6,540 | 4,724 | 3,994 |
| 1000/1000 | 5,209 | 5,389 | 3,330 | 2,919 |
| 1000/2000 | 4,933 | 5,135 | 3,722 | 2,895 |
| 2048/128 | 749 | 797 | 456 | 453 |
| 2048/2048 | 4,212 | 4,407 | 2,948 | 2,296 |
| 5000/500 | 1,048 | 1,112 | 650 | 610 |
| 20000/2000 | 672 | 739 | 505 | 345 |
"""),
("llama-3.1-405b", "llama3.1-405b", """
| Sequence Length (ISL/OSL) | RTX<br/>TP1,PP8 (FP4) |
| 128/128 | 4,452 |
| 128/2048 | 2,981 |
| 1000/1000 | 2,369 |
| 1000/2000 | 1,931 |
| 2048/128 | 579 |
| 2048/2048 | 1,442 |
"""),
("llama-3.1-8b", "I-30", """
| Sequence Length (ISL/OSL) | H200<br/>TP1 (FP8) | H100<br/>TP1 (FP8) |
| 128/128 | 27,911 | 28,312 |
| 128/2048 | 26,221 | 22,714 |
| 128/4096 | 18,027 | 14,325 |
| 500/2000 | 20,770 | 17,660 |
| 1000/1000 | 17,744 | 15,220 |
| 1000/2000 | 16,828 | 13,899 |
| 2048/128 | 3,538 | 3,450 |
| 2048/2048 | 12,194 | 9,305 |
| 5000/500 | 3,902 | 3,459 |
| 20000/2000 | 1,804 | 1,351 |
"""),
]

GPUS = {"B200": "b200", "GB200": "gb200", "H200": "h200-sxm", "H100": "h100-sxm", "RTX": "rtx-pro-6000"}
GPU_NAMES = {"RTX": "RTX 6000 Pro Blackwell Server Edition"}
PRECISIONS = {"FP4": "nvfp4", "FP8": "fp8"}
MOE = {"llama-4-scout", "llama-4-maverick", "qwen3-235b-a22b", "qwen3-30b-a3b"}


def columns(header):
    """[(gpu label, tp, pp, precision label)] from a header row."""
    cols = []
    for cell in [c.strip() for c in header.strip().strip("|").split("|")][1:]:
        gpu, rest = cell.split("<br/>")
        par, prec = rest.split(" (")
        parts = dict((p[:2], int(p[2:])) for p in par.split(","))
        cols.append((gpu, parts["TP"], parts.get("PP", 1), prec.rstrip(")")))
    return cols


def main():
    out = [
        "# Generated by validation/tools/trtllm_perf_overview_to_toml.py from the tables of `source`; do not edit.",
        f'source = "{SOURCE}"',
        f'as_of = "{AS_OF}"',
        'notes = "trtllm-bench throughput, PyTorch backend, requests fed at an infinite rate (offline maximum load); '
        'synthetic uniform lengths (prepare_dataset.py token-norm-dist, stdev 0); num_requests per ISL/OSL pair '
        '128/128 30000, 128/2048 3000, 128/4096 1500, 500/2000 3000, 1000/1000 3000, 1000/2000 1500, 2048/128 3000, '
        '2048/2048 1500, 5000/500 1500, 20000/2000 1000; CUDA graphs with padding, batch sizes up to 8192; '
        'kv_cache_free_gpu_mem_fraction 0.95 (the page says 0.90 or lower was used where 0.95 ran out of memory, '
        'without saying for which rows); NVIDIA ModelOpt FP8 / FP4 (NVFP4) checkpoints with FP8 KV cache. '
        'Metric: Total Output Throughput (tokens/s) of the whole TP x PP group. GPUs: DGX H100 (H100 SXM 80GB), '
        'DGX H200, DGX B200 (B200 180GB), GB200 NVL72, RTX 6000 Pro Blackwell Server Edition. The expert-parallel '
        'size of the MoE runs is not stated (ep left at the default)."',
    ]
    seen = set()
    for model, short, text in TABLES:
        lines = [l for l in text.strip().splitlines() if l.strip()]
        cols = columns(lines[0])
        for line in lines[1:]:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            isl, osl = (int(x) for x in cells[0].split("/"))
            for (gpu, tp, pp, prec), cell in zip(cols, cells[1:]):
                if not cell:
                    continue  # no value published for this pair
                tps = int(cell.replace(",", ""))
                gid = GPUS[gpu]
                if short == "I-30":
                    cid = f"I-30-{gid}-{isl}-{osl}"
                else:
                    cid = f"TRT-{short}-{gid}-tp{tp}" + (f"-pp{pp}" if pp > 1 else "") + f"-{prec.lower()}-{isl}-{osl}"
                assert cid not in seen, cid
                seen.add(cid)
                out += ["", "[[case]]", f'id = "{cid}"', 'group = "max-throughput"', 'engine = "trtllm"',
                        f'model = "{model}"', f'gpu = "{gid}"', f"tp = {tp}"]
                if pp > 1:
                    out.append(f"pp = {pp}")
                out += [f'weights = "{PRECISIONS[prec]}"', 'kv_dtype = "fp8"', f"input = {isl}", f"output = {osl}",
                        'concurrency = "max"', "gpu_mem_util = 0.95",
                        f"measured = {{ output_tokens_per_s = {tps} }}"]
                label = GPU_NAMES.get(gpu, gpu)
                out.append(f'note = "table {model}, column {label} TP{tp}' + (f",PP{pp}" if pp > 1 else "") +
                           f' ({prec}), row {isl}/{osl}: {cell} tokens/s"')
    print("\n".join(out))


if __name__ == "__main__":
    main()
