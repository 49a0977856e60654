#include "kernel.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <tuple>

#include "common.hpp"
#include "roofline.hpp"

namespace mlcalc {

namespace {

// FlashAttention forward kernels reach about 60% of the dense tensor peak at 2k-8k tokens:
// FlashAttention-2 (Dao 2023, arXiv:2307.08691, sec. 4.1, Fig. 4-6) up to 73% of A100 peak,
// FlashAttention-3 (Shah et al. 2024, arXiv:2407.08608, sec. 4.1) 75% of H100 BF16 at 16k, less
// with causal masks and short sequences. The same figure as the training model's forward rate.
constexpr double kFlashForwardFraction = 0.60;
// Where hardware-db has no measurement (as inference: docs/model.md "Efficiencies").
constexpr double kDefaultMatmulFraction = 0.70;
constexpr double kDefaultMemoryFraction = 0.80;
// Counts past 2^63 (m x n x k of a GEMM, elements of a copy) are no kernel a GPU runs.
constexpr double kMaxProduct = 9.223372036854775807e18;

double guard(double v, const std::string& what) {
  if (!std::isfinite(v) || v > kMaxProduct)
    throw Error(fmt::format("{} = {} exceeds 2^63: no kernel has that many", what, number_text(v)));
  return v;
}

double need(double v, const char* flag, KernelKind k) {
  if (!(v >= 1))
    throw Error(fmt::format("kernel {} needs {} (a whole number >= 1)", kernel_name(k), flag), ErrorKind::usage);
  return v;
}

ComputeClass compute_of(const DType& d) {
  switch (d.kind) {
    case DType::Kind::fp32:
      return ComputeClass::fp32;
    case DType::Kind::fp8:
    case DType::Kind::fp8_block:
      return ComputeClass::fp8;
    case DType::Kind::int8:
      return ComputeClass::int8;
    case DType::Kind::mxfp4:
    case DType::Kind::nvfp4:
      return ComputeClass::fp4;
    default:
      return ComputeClass::bf16;
  }
}

}  // namespace

const char* kernel_name(KernelKind k) {
  switch (k) {
    case KernelKind::gemm:
      return "gemm";
    case KernelKind::moe_gemm:
      return "moe-gemm";
    case KernelKind::attention:
      return "attention";
    case KernelKind::rmsnorm:
      return "rmsnorm";
    case KernelKind::layernorm:
      return "layernorm";
    case KernelKind::softmax:
      return "softmax";
    case KernelKind::copy:
      return "copy";
  }
  return "?";
}

KernelKind parse_kernel_kind(const std::string& s) {
  static const std::vector<KernelKind> all = {KernelKind::gemm,    KernelKind::moe_gemm,  KernelKind::attention,
                                              KernelKind::rmsnorm, KernelKind::layernorm, KernelKind::softmax,
                                              KernelKind::copy};
  std::vector<std::string> names;
  for (KernelKind k : all) {
    if (lower(s) == kernel_name(k)) return k;
    names.push_back(kernel_name(k));
  }
  throw Error("unknown kernel '" + s + "'" + did_you_mean(lower(s), names) + " (kernels: gemm, moe-gemm, attention, " +
                  "rmsnorm, layernorm, softmax, copy)",
              ErrorKind::usage);
}

KernelCost kernel_cost(KernelKind kind, const KernelShape& s, const DType& dtype) {
  if (dtype.kind == DType::Kind::int4)
    throw Error(
        "int4 is a weight-only storage format (dequantized to bf16 before the matmul): give the dtype the "
        "kernel computes in (fp32, bf16, fp16, fp8, int8, mxfp4, nvfp4)",
        ErrorKind::usage);
  const double e = dtype.bytes();
  KernelCost c;
  switch (kind) {
    case KernelKind::gemm: {
      // C[m,n] = A[m,k] B[k,n]: 2mnk FLOPs (a multiply and an add per term); A and B read once,
      // C written once (NVIDIA, "Matrix Multiplication Background User's Guide", sec. 2.1:
      // arithmetic intensity = 2MNK / (bytes x (MK + NK + MN))). `batch` independent GEMMs.
      const double b = need(s.batch, "--batch", kind), m = need(s.m, "--m", kind), n = need(s.n, "--n", kind),
                   k = need(s.k, "--k", kind);
      guard(b * m * n * k, "batch x m x n x k");
      c.flops = 2 * b * m * n * k;
      c.bytes = guard(b * (m * k + k * n + m * n), "batch x (mk + kn + mn)") * e;
      break;
    }
    case KernelKind::moe_gemm: {
      // Grouped expert GEMM: `tokens` tokens each routed to `top_k` of `experts` experts whose
      // weights are n x k. FLOPs 2 x tokens x top_k x n x k; bytes: the weights of the experts the
      // batch touches, E (1 - (1 - top_k/E)^tokens) under uniform routing (docs/model.md "Mixture
      // of experts"), plus each routed row's input (k) and output (n).
      const double E = need(s.experts, "--experts", kind), T = need(s.tokens, "--tokens", kind),
                   K = need(s.top_k, "--top-k", kind), n = need(s.n, "--n", kind), k = need(s.k, "--k", kind);
      if (K > E)
        throw Error(fmt::format("--top-k {} exceeds --experts {}", number_text(K), number_text(E)), ErrorKind::usage);
      guard(T * K * n * k, "tokens x top_k x n x k");
      const double touched = E * (1.0 - std::pow(1.0 - K / E, T));
      c.flops = 2 * T * K * n * k;
      c.bytes = (guard(touched * n * k, "experts x n x k") + T * K * (n + k)) * e;
      break;
    }
    case KernelKind::attention: {
      // Fused (FlashAttention) forward: S = QK^T and O = PV, 2d FLOPs each per (query, key) pair
      // (Dao et al. 2022, arXiv:2205.14135, sec. 3.1: 4 N^2 d per head); a causal mask keeps the
      // pairs at or below the diagonal, queries being the last `seq` of `kv_seq` positions. HBM:
      // Q and O (query heads) and K and V (KV heads) once each, the IO-aware ideal.
      const double b = need(s.batch, "--batch", kind), h = need(s.heads, "--heads", kind),
                   d = need(s.head_dim, "--head-dim", kind), q = need(s.seq, "--seq", kind);
      const double kvh = s.kv_heads > 0 ? s.kv_heads : h, kv = s.kv_seq > 0 ? s.kv_seq : q;
      if (std::fmod(h, kvh) != 0 || kvh > h)
        throw Error(fmt::format("--heads {} must be a multiple of --kv-heads {}", number_text(h), number_text(kvh)),
                    ErrorKind::usage);
      if (s.causal && kv < q)
        throw Error(fmt::format("causal attention needs --kv-seq ({}) >= --seq ({}): queries are the last positions",
                                number_text(kv), number_text(q)),
                    ErrorKind::usage);
      const double pairs = s.causal ? q * (kv - q) + q * (q + 1) / 2 : q * kv;
      guard(b * h * pairs * d, "batch x heads x pairs x head_dim");
      c.flops = 4 * b * h * pairs * d;
      c.bytes = guard(b * d * (2 * h * q + 2 * kvh * kv), "attention elements") * e;
      break;
    }
    case KernelKind::rmsnorm:
    case KernelKind::layernorm:
    case KernelKind::softmax: {
      // Row-wise kernels read x and write y once (plus the weight vector, and LayerNorm's bias);
      // FLOPs per element by convention: RMSNorm 4 (square, sum, scale, weight), LayerNorm 7
      // (sum, subtract mean, square, sum, scale, weight, bias), softmax 5 (max, subtract, exp,
      // sum, divide). They run on the vector units and are memory-bound on every GPU.
      const double r = need(s.rows, "--rows", kind), n = need(s.cols, "--cols", kind);
      const double el = guard(r * n, "rows x cols");
      const double per = kind == KernelKind::rmsnorm ? 4 : kind == KernelKind::layernorm ? 7 : 5;
      const double vectors = kind == KernelKind::rmsnorm ? 1 : kind == KernelKind::layernorm ? 2 : 0;
      c.flops = per * el;
      c.bytes = (2 * el + vectors * n) * e;
      c.tensor = false;
      break;
    }
    case KernelKind::copy: {
      // Device-to-device copy of `bytes`: read once and written once, 2 x bytes of HBM traffic
      // (how CUDA's bandwidthTest counts device-to-device bandwidth).
      const double b = need(s.bytes, "--bytes", kind);
      c.bytes = 2 * guard(b, "--bytes");
      c.flops = 0;
      c.tensor = false;
      break;
    }
  }
  return c;
}

KernelRow evaluate_kernel(const Gpu& gpu, KernelKind kind, const KernelShape& shape, const DType& dtype) {
  KernelRow r;
  r.kind = kind;
  r.shape = shape;
  r.dtype = dtype;
  r.cost = kernel_cost(kind, shape, dtype);
  r.peak_bw = gpu.memory_bw_bytes_per_s;
  if (r.cost.tensor) {
    const ResolvedPeak p = resolve_peak(gpu, compute_of(dtype));
    r.peak_flop_per_s = p.flop_per_s;
    r.compute_used = std::string(compute_class_name(p.used));
    r.fell_back = p.fell_back;
    const double mamf = measured_matmul_fraction(gpu, p.used);
    if (kind == KernelKind::attention) {
      r.flop_fraction = kFlashForwardFraction;
      r.fraction_source =
          "FlashAttention-2/3 forward, about 60% of the dense peak (arXiv:2307.08691 sec. 4.1, "
          "arXiv:2407.08608 sec. 4.1)";
    } else if (mamf > 0) {
      r.flop_fraction = mamf;
      r.fraction_source = "hardware-db " + gpu.id + " [efficiency] matmul_" + r.compute_used + " (measured MAMF)";
    } else {
      r.flop_fraction = kDefaultMatmulFraction;
      r.fraction_source = "default matmul fraction 0.70 (no " + r.compute_used + " measurement for " + gpu.id + ")";
    }
  } else {
    // Vector FLOPs at the FP32 peak (the tensor-core figures do not apply); these kernels are
    // memory-bound, so only the bandwidth fraction matters.
    r.peak_flop_per_s = gpu.peak(Peak::fp32) > 0 ? gpu.peak(Peak::fp32) : gpu.peak(Peak::bf16);
    r.compute_used = "fp32 vector";
    r.flop_fraction = 1;
    r.fraction_source = "memory-bound: the measured copy bandwidth";
  }
  if (!(r.peak_bw > 0)) throw Error(gpu.id + " has no memory bandwidth in the database");
  if (!(r.peak_flop_per_s > 0) && r.cost.flops > 0) throw Error(gpu.id + " has no FLOP/s peak in the database");
  r.bw_fraction = gpu.eff_memory_bw > 0 ? gpu.eff_memory_bw : kDefaultMemoryFraction;
  r.intensity = r.cost.bytes > 0 ? r.cost.flops / r.cost.bytes : 0;
  r.ridge_intensity = r.peak_flop_per_s / r.peak_bw;
  const KernelTime roof = kernel_time(r.cost.bytes, r.cost.flops, r.peak_bw, r.peak_flop_per_s);
  const KernelTime real =
      kernel_time(r.cost.bytes, r.cost.flops, r.peak_bw * r.bw_fraction, r.peak_flop_per_s * r.flop_fraction);
  r.roofline_time_s = roof.time_s;
  r.compute_bound = !roof.memory_bound;
  r.realistic_time_s = real.time_s;
  return r;
}

bool same_shape(KernelKind kind, const KernelShape& a, const KernelShape& b) {
  switch (kind) {
    case KernelKind::gemm:
      return std::tie(a.batch, a.m, a.n, a.k) == std::tie(b.batch, b.m, b.n, b.k);
    case KernelKind::moe_gemm:
      return std::tie(a.experts, a.tokens, a.top_k, a.n, a.k) == std::tie(b.experts, b.tokens, b.top_k, b.n, b.k);
    case KernelKind::attention: {
      auto kvh = [](const KernelShape& s) { return s.kv_heads > 0 ? s.kv_heads : s.heads; };
      auto kv = [](const KernelShape& s) { return s.kv_seq > 0 ? s.kv_seq : s.seq; };
      return a.batch == b.batch && a.heads == b.heads && kvh(a) == kvh(b) && a.seq == b.seq && kv(a) == kv(b) &&
             a.head_dim == b.head_dim && a.causal == b.causal;
    }
    case KernelKind::rmsnorm:
    case KernelKind::layernorm:
    case KernelKind::softmax:
      return a.rows == b.rows && a.cols == b.cols;
    case KernelKind::copy:
      return a.bytes == b.bytes;
  }
  return false;
}

std::string shape_text(KernelKind kind, const KernelShape& s) {
  auto n = [](double v) { return number_text(v); };
  switch (kind) {
    case KernelKind::gemm:
      return (s.batch > 1 ? "batch=" + n(s.batch) + " " : "") + "m=" + n(s.m) + " n=" + n(s.n) + " k=" + n(s.k);
    case KernelKind::moe_gemm:
      return "experts=" + n(s.experts) + " tokens=" + n(s.tokens) + " top_k=" + n(s.top_k) + " n=" + n(s.n) +
             " k=" + n(s.k);
    case KernelKind::attention:
      return "batch=" + n(s.batch) + " heads=" + n(s.heads) + "/" + n(s.kv_heads > 0 ? s.kv_heads : s.heads) +
             " seq=" + n(s.seq) + " kv_seq=" + n(s.kv_seq > 0 ? s.kv_seq : s.seq) + " d=" + n(s.head_dim) +
             (s.causal ? " causal" : "");
    case KernelKind::rmsnorm:
    case KernelKind::layernorm:
    case KernelKind::softmax:
      return "rows=" + n(s.rows) + " cols=" + n(s.cols);
    case KernelKind::copy:
      return "bytes=" + n(s.bytes);
  }
  return "";
}

std::vector<MeasuredRow> hold_against_roofline(const Gpu& gpu, const std::vector<KernelTiming>& timings,
                                               double below_pct) {
  std::vector<MeasuredRow> out;
  for (const KernelTiming& t : timings) {
    MeasuredRow m;
    m.timing = t;
    m.model = evaluate_kernel(gpu, t.kind, t.shape, t.dtype);
    m.achieved_flop_per_s = m.model.cost.flops / t.time_s;
    m.achieved_bytes_per_s = m.model.cost.bytes / t.time_s;
    m.pct_of_roofline = 100 * m.model.roofline_time_s / t.time_s;
    m.below = m.pct_of_roofline < below_pct;
    out.push_back(m);
  }
  // The fastest implementation of each (kernel, shape, dtype).
  for (size_t i = 0; i < out.size(); ++i) {
    bool best = true;
    for (size_t j = 0; j < out.size() && best; ++j) {
      if (i == j || out[j].timing.kind != out[i].timing.kind || !(out[j].timing.dtype == out[i].timing.dtype) ||
          !same_shape(out[i].timing.kind, out[i].timing.shape, out[j].timing.shape))
        continue;
      if (out[j].timing.time_s < out[i].timing.time_s || (out[j].timing.time_s == out[i].timing.time_s && j < i))
        best = false;
    }
    out[i].fastest = best;
  }
  return out;
}

}  // namespace mlcalc
