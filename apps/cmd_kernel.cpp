// mlcalc kernel KIND: roofline and realistic time of kernel shapes on a GPU (lists and ranges
// sweep), and measured timings of implementations held against them.
#include <fmt/format.h>

#include "io/kernel_timings.hpp"
#include "kernel.hpp"
#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct KernelOptions {
  std::string kind, gpu, measured, svg;
  std::optional<DType> dtype = DType{DType::Kind::bf16};
  // Shape flags: each a list or range (a sweep is their product); empty = not given.
  std::vector<double> batch, m, n, k, heads, kv_heads, seq, kv_seq, head_dim, rows, cols, bytes, experts, tokens, top_k;
  bool causal = false;
  std::string phase;
  double below = 50;
  std::vector<CLI::Option*> shape_flags;
};

// Every combination of the given shape flags (each at least one value; absent = 0).
std::vector<KernelShape> sweep(const KernelOptions& o) {
  struct Field {
    const std::vector<double>* values;
    double KernelShape::*slot;
  };
  const std::vector<Field> fields = {{&o.batch, &KernelShape::batch},
                                     {&o.m, &KernelShape::m},
                                     {&o.n, &KernelShape::n},
                                     {&o.k, &KernelShape::k},
                                     {&o.heads, &KernelShape::heads},
                                     {&o.kv_heads, &KernelShape::kv_heads},
                                     {&o.seq, &KernelShape::seq},
                                     {&o.kv_seq, &KernelShape::kv_seq},
                                     {&o.head_dim, &KernelShape::head_dim},
                                     {&o.rows, &KernelShape::rows},
                                     {&o.cols, &KernelShape::cols},
                                     {&o.bytes, &KernelShape::bytes},
                                     {&o.experts, &KernelShape::experts},
                                     {&o.tokens, &KernelShape::tokens},
                                     {&o.top_k, &KernelShape::top_k}};
  double count = 1;
  for (const auto& f : fields) count *= std::max<size_t>(1, f.values->size());
  if (count > 100000)
    throw Error(fmt::format("the sweep has {} shapes (at most 100,000): narrow a list or range", count_text(count)),
                ErrorKind::usage);
  KernelShape base;
  base.causal = o.causal;
  if (o.phase == "decode" && o.seq.empty()) base.seq = 1;  // one new token per sequence
  std::vector<KernelShape> out = {base};
  for (const auto& f : fields) {
    if (f.values->empty()) continue;
    std::vector<KernelShape> next;
    for (const KernelShape& s : out)
      for (double v : *f.values) {
        KernelShape t = s;
        t.*f.slot = v;
        next.push_back(t);
      }
    out = std::move(next);
  }
  return out;
}

void run_kernel(Context& ctx, KernelOptions o) {
  KernelReport r;
  r.kind = parse_kernel_kind(o.kind);
  r.dtype = *o.dtype;
  r.below_pct = o.below;
  r.gpu = &ctx.db().gpu(o.gpu);
  if (!o.phase.empty() && r.kind != KernelKind::attention)
    throw Error("--phase applies to attention", ErrorKind::usage);
  if (o.causal && r.kind != KernelKind::attention) throw Error("--causal applies to attention", ErrorKind::usage);
  if (o.phase == "decode" && o.causal)
    throw Error(
        "--causal with --phase decode: a decode query sees every cached "
        "key (give --kv-seq), no mask",
        ErrorKind::usage);
  bool any_shape = false;
  for (const CLI::Option* f : o.shape_flags) any_shape = any_shape || f->count() > 0;
  if (!o.measured.empty()) {
    const TimingFile tf = read_kernel_timings(o.measured, r.kind);
    r.measured_path = o.measured;
    r.measured_read = tf.read;
    r.measured_other = tf.other_kernels;
    std::vector<KernelTiming> keep;
    std::vector<KernelShape> wanted = any_shape ? sweep(o) : std::vector<KernelShape>{};
    long outside = 0;
    for (const KernelTiming& t : tf.rows) {
      const bool in = !any_shape || std::any_of(wanted.begin(), wanted.end(),
                                                [&](const KernelShape& s) { return same_shape(r.kind, s, t.shape); });
      if (in)
        keep.push_back(t);
      else
        ++outside;
    }
    if (tf.other_kernels > 0)
      ctx.warn(fmt::format("{}: {} of {} rows are of other kernels than {} (skipped)", o.measured, tf.other_kernels,
                           tf.read, kernel_name(r.kind)));
    if (outside > 0)
      ctx.warn(
          fmt::format("{}: {} rows are at shapes outside the given ones (skipped; leave the shape flags out to "
                      "see every row)",
                      o.measured, outside));
    if (keep.empty())
      throw Error(fmt::format("{}: no {} rows{} ({} rows read)", o.measured, kernel_name(r.kind),
                              any_shape ? " at the given shapes" : "", tf.read));
    r.measured = hold_against_roofline(*r.gpu, keep, o.below);
    // The shapes table: the given sweep, else each measured shape once.
    if (any_shape) {
      for (const KernelShape& s : wanted) r.rows.push_back(evaluate_kernel(*r.gpu, r.kind, s, r.dtype));
    } else {
      for (const MeasuredRow& m : r.measured) {
        const bool seen = std::any_of(r.rows.begin(), r.rows.end(), [&](const KernelRow& k) {
          return k.dtype == m.timing.dtype && same_shape(r.kind, k.shape, m.timing.shape);
        });
        if (!seen) r.rows.push_back(m.model);
      }
    }
    for (const MeasuredRow& m : r.measured)
      if (m.pct_of_roofline > 100)
        ctx.warn(fmt::format("{}: {} at {} runs faster than the roofline ({:.0f}%): check its time, shape and dtype",
                             m.timing.where, m.timing.impl, shape_text(r.kind, m.timing.shape), m.pct_of_roofline));
  } else {
    for (const KernelShape& s : sweep(o)) r.rows.push_back(evaluate_kernel(*r.gpu, r.kind, s, r.dtype));
  }
  for (const KernelRow& k : r.rows)
    if (k.fell_back) {
      ctx.warn(fmt::format("{} has no {} tensor cores: the kernel runs at its {} peak ({:.0f} TFLOP/s)", r.gpu->id,
                           r.dtype.name(), k.compute_used, k.peak_flop_per_s / 1e12));
      break;
    }
  if (!o.svg.empty()) {
    if (!ctx.plot_path.empty() && ctx.plot_path != o.svg)
      throw Error("give --svg or --plot, not both", ErrorKind::usage);
    ctx.plot_path = o.svg;
  }
  ctx.emit(to_document(r));
}

}  // namespace

Command kernel_command() {
  auto o = std::make_shared<KernelOptions>();
  return {"kernel", "roofline of a kernel (gemm, attention, norms, copy) on a GPU; measured timings against it",
          [o](CLI::App& sub) {
            sub.add_option("kind", o->kind, "gemm | moe-gemm | attention | rmsnorm | layernorm | softmax | copy")
                ->required();
            sub.add_option("--gpu,-g", o->gpu, "GPU (see `mlcalc list gpus`)")->required();
            add_dtype(sub, "--dtype", o->dtype, "the dtype the kernel computes in (default bf16)");
            auto list = [&](const char* name, std::vector<double>& v, const char* what) {
              o->shape_flags.push_back(add_count_list(
                  sub, name, v, std::string(what) + " (a list 1024,4096 or a range 1..8192: powers of two)"));
            };
            list("--batch", o->batch, "gemm: batched GEMMs; attention: sequences (default 1)");
            list("--m", o->m, "gemm: rows of A and C");
            list("--n", o->n, "gemm: columns of B and C; moe-gemm: expert output width");
            list("--k", o->k, "gemm: the reduction dimension; moe-gemm: expert input width");
            list("--heads", o->heads, "attention: query heads");
            list("--kv-heads", o->kv_heads, "attention: KV heads (default --heads)");
            list("--seq", o->seq, "attention: query tokens (decode: default 1)");
            list("--kv-seq", o->kv_seq, "attention: key/value tokens (default --seq)");
            list("--head-dim", o->head_dim, "attention: head dimension");
            list("--rows", o->rows, "rmsnorm/layernorm/softmax: rows");
            list("--cols", o->cols, "rmsnorm/layernorm/softmax: columns (hidden size, vocabulary)");
            list("--bytes", o->bytes, "copy: bytes copied (e.g. 1g)");
            list("--experts", o->experts, "moe-gemm: experts");
            list("--tokens", o->tokens, "moe-gemm: tokens routed");
            list("--top-k", o->top_k, "moe-gemm: experts per token");
            o->shape_flags.push_back(sub.add_flag("--causal", o->causal, "attention: causal mask"));
            sub.add_option("--phase", o->phase, "attention: prefill | decode (decode: --seq 1 by default)")
                ->check(CLI::IsMember({"prefill", "decode"}));
            sub.add_option("--measured", o->measured,
                           "CSV or JSON of measured timings (README \"Measured timings\"): each against its roofline")
                ->type_name("FILE");
            add_real(sub, "--below", o->below, "flag implementations under this % of the roofline (default 50)", 0,
                     100);
            sub.add_option("--svg", o->svg, "write the log-log roofline with the shapes and measured points")
                ->type_name("FILE.svg");
          },
          [o](Context& ctx) { run_kernel(ctx, *o); }};
}

}  // namespace mlcalc::cli
