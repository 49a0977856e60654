// mlcalc card MODEL|config.json|CHECKPOINT_DIR [--eval FILE ...] [--info FILE] [--out README.md]:
// a Hugging Face model card from what the checkpoint holds, the evaluation logs, the author's TOML
// and mlcalc's serving estimates.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>

#include "io/card_files.hpp"
#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct CardOptions {
  std::string model, info, out;
  std::vector<std::string> evals;
};

// GPUs a model card sizes for: the common data-centre ones, those the database has.
const std::vector<std::string> kCardGpus = {"h100-sxm", "h200-sxm", "b200", "a100-sxm-80gb", "l40s", "mi300x"};

// The cheapest on-demand offer of `gpu` among every provider in the database.
void cheapest_price(const std::vector<GpuOffer>& offers, const std::string& gpu, CardCandidate& c) {
  const GpuOffer* best = nullptr;
  for (const auto& off : offers)
    if (off.gpu == gpu && off.pricing == "on-demand" && off.usd_per_gpu_hour > 0 &&
        (!best || off.usd_per_gpu_hour < best->usd_per_gpu_hour))
      best = &off;
  if (!best) return;
  c.usd_per_gpu_hour = best->usd_per_gpu_hour;
  c.price_source = fmt::format("{} {} on-demand ({})", best->provider, best->product, best->as_of);
}

void run_card(Context& ctx, const CardOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  CardReport r;
  // A directory or a config.json: read what it holds first (a directory without config.json is an
  // error of its own, not an unknown model name).
  if (fs::is_directory(o.model, ec) || fs::is_regular_file(o.model, ec)) r.checkpoint = read_checkpoint(o.model);
  Database& db = ctx.db();
  const ModelEntry& m = db.model(o.model);
  // A Hugging Face id found in the local hub cache: its snapshot directory is a checkpoint too.
  if (r.checkpoint.path.empty() && m.source.rfind("Hugging Face cache: ", 0) == 0)
    r.checkpoint = read_checkpoint(fs::path(m.file).parent_path().string());
  r.model_id = m.id;
  r.model_name = m.name;
  r.model_source = m.source;
  r.arch = &m.arch;
  r.params = count_params(m.arch);
  if (r.checkpoint.weights) {
    r.weight_check = check_weights(m.arch, *r.checkpoint.weights);
    if (std::fabs(r.weight_check->difference) > 0.02)
      ctx.warn(fmt::format("the weight files hold {} bytes, mlcalc estimates {} from config.json ({:+.1f}%)",
                           count_text(r.weight_check->checkpoint_bytes), count_text(r.weight_check->estimated_bytes),
                           r.weight_check->difference * 100));
    if (const auto& idx = r.checkpoint.weights->index_total_bytes; idx && *idx != r.checkpoint.weights->total_bytes)
      ctx.warn(fmt::format("model.safetensors.index.json says total_size {} but the headers add up to {} bytes",
                           count_text(*idx), count_text(r.checkpoint.weights->total_bytes)));
  }

  std::vector<CardMetric> all;
  for (const auto& f : o.evals) {
    std::vector<CardMetric> ms = read_eval_log(f);
    all.insert(all.end(), ms.begin(), ms.end());
  }
  r.metrics = merge_metrics(all);
  r.eval_files = o.evals;
  // A log names the model it evaluated: say so when that is not obviously this one.
  auto base = [](const std::string& s) { return lower(s.substr(s.find_last_of('/') + 1)); };
  std::vector<std::string> names = {base(m.id), base(m.name)};
  for (const auto& h : m.hf_ids) names.push_back(base(h));
  std::vector<std::string> told;
  for (const auto& x : r.metrics) {
    std::string b = x.model;
    while (!b.empty() && b.back() == '/') b.pop_back();
    b = base(b);
    if (x.model.empty() || std::find(names.begin(), names.end(), b) != names.end()) continue;
    const std::string w =
        fmt::format("{} evaluated '{}', not obviously {}: check that the log is of this model", x.file, x.model, m.id);
    if (std::find(told.begin(), told.end(), w) == told.end()) told.push_back(w), ctx.warn(w);
  }

  if (!o.info.empty()) r.info = read_card_info(o.info);
  std::vector<std::string> todo_titles;
  for (const auto& s : info_sections(r.info))
    if (s.todo) r.todo.push_back(s.key), todo_titles.push_back(s.title);
  if (r.metrics.empty()) r.todo.push_back("evaluation"), todo_titles.push_back("Evaluation results");
  if (!todo_titles.empty())
    ctx.warn(fmt::format("no information for {}: written as TODO in the card ({}; see examples/card-info.toml)",
                         fmt::join(todo_titles, ", "),
                         o.info.empty() ? "give them in --info FILE" : "add them to " + o.info));

  // Serving: for each GPU the database has, tp 1, 2, 4, 8 (those the model's heads divide).
  std::vector<std::vector<CardCandidate>> gpus;
  const std::vector<std::string> saved = ctx.warnings;  // per-candidate notes are the section's assumptions
  const std::vector<GpuOffer> offers = db.gpu_offers();
  for (const auto& id : kCardGpus) {
    try {
      db.gpu(id);
    } catch (const Error&) {
      continue;  // not in this database (--no-builtin-db)
    }
    std::vector<CardCandidate> cands;
    for (int tp : {1, 2, 4, 8}) {
      DeploymentOptions d;
      d.model = o.model;
      d.gpu = id;
      d.tp = tp;
      try {
        CardCandidate c;
        c.dep = make_deployment(ctx, d);
        cheapest_price(offers, c.dep.gpu->id, c);
        cands.push_back(std::move(c));
      } catch (const Error&) {
        // tp does not divide the heads: the next degree
      }
    }
    if (!cands.empty()) gpus.push_back(std::move(cands));
  }
  ctx.warnings = saved;
  r.serving = evaluate_card_serving(m.arch, gpus, card_contexts(m.arch));
  r.out_path = o.out;

  Document doc = to_document(r);
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    f << doc.result["markdown"].get<std::string>();
    if (!f.flush()) throw Error("--out: cannot write '" + o.out + "'");
  }
  ctx.emit(std::move(doc));
}

}  // namespace

Command card_command() {
  auto o = std::make_shared<CardOptions>();
  return {"card", "a Hugging Face model card: checkpoint facts, eval results, serving requirements",
          [o](CLI::App& sub) {
            sub.add_option("model", o->model,
                           "model: database name, Hugging Face id, config.json, or a checkpoint directory")
                ->required();
            sub.add_option("--eval", o->evals,
                           "evaluation log: lm-evaluation-harness results JSON or `mlcalc eval --format json` "
                           "output (repeatable; merged)")
                ->type_name("FILE")
                ->allow_extra_args(false);  // one file per --eval: a model name after it stays the model
            sub.add_option("--info", o->info,
                           "TOML with what a checkpoint cannot tell: license, intended use, limitations ... "
                           "(examples/card-info.toml)")
                ->type_name("FILE.toml");
            sub.add_option("--out", o->out, "write the card to this file (default: standard output)")
                ->type_name("README.md");
          },
          [o](Context& ctx) { run_card(ctx, *o); }};
}

}  // namespace mlcalc::cli
