// mlcalc attention MODEL: per-layer attention of a model (masks, positions, KV, FLOPs, HBM bytes
// standard against FlashAttention) at a context, with roofline times on a GPU.
#include <fmt/format.h>
#include <fstream>

#include "attention.hpp"
#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct AttentionOptions {
  std::string model, gpu, svg, phase = "prefill";
  double context = 4096, batch = 1;
  int layer = -1;
  bool allow_long_context = false;
  std::optional<DType> kv = DType{DType::Kind::bf16}, state = DType{DType::Kind::bf16};
  CLI::Option *layer_opt = nullptr, *state_opt = nullptr, *kv_opt = nullptr;
};

void run_attention(Context& ctx, const AttentionOptions& o) {
  if (o.phase != "prefill" && o.phase != "decode")
    throw Error("--phase '" + o.phase + "' is not prefill or decode" + did_you_mean(o.phase, {"prefill", "decode"}),
                ErrorKind::usage);
  // The global --plot is --svg here (the masks are this command's picture), as for `kernel`.
  std::string svg = o.svg;
  if (!ctx.plot_path.empty()) {
    if (!svg.empty() && svg != ctx.plot_path) throw Error("give --svg or --plot, not both", ErrorKind::usage);
    svg = ctx.plot_path;
    ctx.plot_path.clear();
  }
  if (ctx.vega) throw Error("--format vega: `attention` has no chart; use --svg FILE.svg", ErrorKind::usage);
  const ModelEntry& m = ctx.db().model(o.model);
  const Architecture& a = m.arch;
  AttentionQuery q;
  q.context = o.context;
  q.batch = o.batch;
  q.phase = o.phase == "decode" ? AttentionPhase::decode : AttentionPhase::prefill;
  q.kv = *o.kv;
  q.state = *o.state;
  q.layer = o.layer_opt && o.layer_opt->count() > 0 ? o.layer : -1;
  // A flag that changes nothing for this model is refused, not ignored.
  bool recurrent = false, kv_layers = false;
  for (const LayerGroup& g : a.groups) {
    recurrent = recurrent || g.mixer == Mixer::mamba1 || g.mixer == Mixer::mamba2 || g.mixer == Mixer::gdn;
    kv_layers = kv_layers || g.mixer == Mixer::attention || g.mixer == Mixer::mla;
  }
  if (o.state_opt && o.state_opt->count() > 0 && !recurrent)
    throw Error(fmt::format("--state-dtype applies to recurrent layers (Mamba, Gated DeltaNet); {} has none", m.id),
                ErrorKind::usage);
  if (o.kv_opt && o.kv_opt->count() > 0 && !kv_layers)
    throw Error(fmt::format("--kv-dtype applies to attention layers; {} has none", m.id), ErrorKind::usage);
  std::vector<std::string> warnings;
  check_context(a, q.context, "context " + count_text(q.context), o.allow_long_context, warnings);
  const Gpu* gpu = o.gpu.empty() ? nullptr : &ctx.db().gpu(o.gpu);
  AttentionReport r = evaluate_attention(a, q, gpu);
  r.model_id = m.id;
  r.model_name = m.name;
  r.query_name = o.model;
  r.warnings = warnings;
  if (!svg.empty()) {
    std::ofstream f(svg);
    f << render_attention_svg(r);
    if (!f.flush()) throw Error("--svg: cannot write '" + svg + "'");
  }
  ctx.emit(to_document(r));
}

}  // namespace

Command attention_command() {
  auto o = std::make_shared<AttentionOptions>();
  return {"attention",
          "per-layer attention of a model: masks (full, sliding, chunked, MLA, recurrent), RoPE/NoPE, sinks, KV, "
          "FLOPs and HBM bytes, standard vs FlashAttention",
          [o](CLI::App& sub) {
            sub.add_option("model", o->model, "model (database name, Hugging Face id, config.json path)")->required();
            add_count(sub, "--context", o->context,
                      "tokens: the prompt (prefill) or the cache (decode), e.g. 4096, 128k (default 4096)", 1e9);
            add_count(sub, "--batch", o->batch, "sequences (default 1)", 1e9);
            sub.add_option("--phase", o->phase, "prefill (default) | decode (one new token per sequence)");
            o->layer_opt =
                add_int(sub, "--layer", o->layer, "only this layer (0-based; JSON keeps its index)", 0, 1000000);
            sub.add_option("--gpu,-g", o->gpu, "GPU for roofline times and FlashAttention bytes (`mlcalc list gpus`)");
            o->kv_opt = add_dtype(sub, "--kv-dtype", o->kv, "KV-cache dtype (default bf16)");
            o->state_opt = add_dtype(sub, "--state-dtype", o->state,
                                     "recurrent-state dtype of Mamba / Gated DeltaNet layers (default bf16)");
            sub.add_flag("--allow-long-context", o->allow_long_context,
                         "evaluate a context beyond the model's max_position_embeddings");
            sub.add_option("--svg", o->svg,
                           "write the masks, one panel per kind of layer, labelled with its layers (or --plot); "
                           "structural masks only: learned attention weights and induction heads need the model run")
                ->type_name("FILE.svg");
          },
          [o](Context& ctx) { run_attention(ctx, *o); }};
}

}  // namespace mlcalc::cli
