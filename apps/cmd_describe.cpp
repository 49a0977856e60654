// mlcalc describe MODEL|GPU
#include "options.hpp"

#include <fmt/format.h>

namespace mlcalc::cli {

namespace {

struct DescribeOptions {
  std::string name;
  DescribeQuery q = [] {
    DescribeQuery d;
    d.context = 0;  // not given
    return d;
  }();
  std::optional<DType> weights, kv = DType{DType::Kind::bf16}, state = DType{DType::Kind::bf16};
  std::vector<CLI::Option*> model_only;  ///< flags that describe a model's workload, not a GPU or link
};

// A GPU or an interconnect has no context, batch or dtypes: such a flag is refused, not ignored.
void refuse_model_flags(const DescribeOptions& o, const char* what) {
  for (const CLI::Option* opt : o.model_only)
    if (opt->count() > 0)
      throw Error(fmt::format("{} applies to a model; '{}' is {}", opt->get_name(), o.name, what), ErrorKind::usage);
}

void run_describe(Context& ctx, DescribeOptions o) {
  Database& db = ctx.db();
  o.q.weights = o.weights;
  o.q.kv = *o.kv;
  o.q.state = *o.state;
  // A name is a model when the model database knows it, else a GPU; else neither (did-you-mean over both).
  try {
    const ModelEntry& m = db.model(o.name);
    // No --context: the figures are per token (context 1), and the KV line adds one sequence at
    // the model's max context, the two numbers people look for.
    const bool no_context = o.q.context <= 0;
    if (no_context) o.q.context = 1;
    ModelSummary s = summarize_model(m.arch, o.q);
    if (no_context && m.arch.max_context > 0) {
      DescribeQuery full = o.q;
      full.context = double(m.arch.max_context);
      full.batch = 1;
      s.kv_cache_bytes_at_max_context = summarize_model(m.arch, full).kv_cache_bytes;
    }
    s.id = m.id, s.name = m.name, s.source = m.source, s.as_of = m.as_of, s.query_name = o.name;
    s.stated_total = m.stated_total, s.stated_active = m.stated_active;
    ctx.emit(to_document(s));
    return;
  } catch (const Error& model_error) {
    if (std::string(model_error.what()).rfind("unknown model", 0) != 0) throw;
    // "org/name" is no GPU: the model error says where it looked (database, HF cache, paths).
    if (o.name.find('/') != std::string::npos) throw;
  }
  try {
    GpuSummary s;
    s.query_name = o.name;
    s.gpu = &db.gpu(o.name);
    refuse_model_flags(o, "a GPU");
    if (!s.gpu->scale_up_id.empty()) s.scale_up = &db.interconnect(s.gpu->scale_up_id);
    if (!s.gpu->host_link_id.empty()) s.host_link = &db.interconnect(s.gpu->host_link_id);
    ctx.emit(to_document(s));
    return;
  } catch (const Error& gpu_error) {
    if (std::string(gpu_error.what()).rfind("unknown gpu", 0) != 0) throw;
  }
  try {
    InterconnectSummary s;
    s.query_name = o.name;
    s.link = &db.interconnect(o.name);
    refuse_model_flags(o, "an interconnect");
    ctx.emit(to_document(s));
  } catch (const Error& link_error) {
    if (std::string(link_error.what()).rfind("unknown interconnect", 0) != 0) throw;
    std::vector<std::string> all = db.ids(EntryKind::model);
    for (const auto& g : db.ids(EntryKind::gpu)) all.push_back(g);
    for (const auto& l : db.ids(EntryKind::interconnect)) all.push_back(l);
    throw Error("'" + o.name + "' is neither a model, a GPU nor an interconnect" + did_you_mean(lower(o.name), all) +
                " (see `mlcalc list models`, `mlcalc list gpus` and `mlcalc list interconnects`)");
  }
}

}  // namespace

Command describe_command() {
  auto o = std::make_shared<DescribeOptions>();
  return {
      "describe", "describe a model (params, weights, KV cache, FLOPs), a GPU or an interconnect",
      [o](CLI::App& sub) {
        sub.add_option("name", o->name, "model (database name, Hugging Face id, config.json path), GPU or interconnect")
            ->required();
        o->model_only = {add_count(sub, "--context", o->q.context,
                                   "context length in tokens (default: per token, and KV at the model's max context)"),
                         add_count(sub, "--batch", o->q.batch, "sequences (default 1)"),
                         add_dtype(sub, "--weights", o->weights, "weight dtype (default: the checkpoint's)"),
                         add_dtype(sub, "--kv-dtype", o->kv, "KV-cache dtype (default bf16)"),
                         add_dtype(sub, "--state-dtype", o->state, "recurrent-state dtype (default bf16)")};
      },
      [o](Context& ctx) { run_describe(ctx, *o); }};
}

}  // namespace mlcalc::cli
