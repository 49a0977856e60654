// mlcalc validate: the published measurements shipped in validation/ against the model.
#include <algorithm>
#include <fmt/format.h>

#include "engine.hpp"
#include "io/measurements.hpp"
#include "options.hpp"
#include "validate.hpp"

namespace mlcalc::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> groups, cases, files;
  bool rows = false;
};

std::string describe_config(const ValidationCase& c) {
  std::string s = fmt::format("{} {} tp{}", c.model.empty() ? c.collective.value_or("") : c.model, c.gpu, c.tp);
  if (c.pp > 1) s += fmt::format(" pp{}", c.pp);
  if (c.ep > 1) s += fmt::format(" ep{}", c.ep);
  if (!c.model.empty()) {
    s += " " + c.weights + (c.kv_dtype ? "/" + *c.kv_dtype : "");
    s += fmt::format(" {}/{}", c.input_tokens, c.output_tokens);
    if (c.batch) s += fmt::format(" batch {}", *c.batch);
    if (c.concurrency) s += fmt::format(" c{}", *c.concurrency);
    if (c.concurrency_max) s += " max";
  } else {
    if (c.message_bytes) s += fmt::format(" {} B", *c.message_bytes);
    if (c.algorithm) s += " " + *c.algorithm;
  }
  return s;
}

// Predicted values of one case in realistic and roofline mode, or why there are none.
void evaluate_case(Context& ctx, const ValidationCase& c, std::vector<ValidationRow>& rows) {
  auto skip_all = [&](const std::string& why) {
    for (const auto& [q, v] : c.measured) {
      ValidationRow r = make_row(c, q, v, std::nullopt, std::nullopt);
      r.config = describe_config(c);
      r.skipped = why;
      rows.push_back(r);
    }
  };
  if (c.collective) {
    // Inside one node the GPU's scale-up link carries it; across nodes its scale-out network.
    try {
      const Gpu& g = ctx.db().gpu(c.gpu);
      if (g.scale_up_id.empty()) return skip_all("no scale-up link for " + g.id);
      const Interconnect& link = ctx.db().interconnect(g.scale_up_id);
      const Interconnect* out = g.scale_out_id.empty() ? nullptr : &ctx.db().interconnect(g.scale_out_id);
      for (const auto& [q, v] : c.measured) {
        ValidationRow r =
            make_row(c, q, v, predict_collective(link, out, c, q, false), predict_collective(link, out, c, q, true));
        r.config = describe_config(c) + " over " + link.id + (c.nodes.value_or(1) > 1 && out ? " + " + out->id : "");
        rows.push_back(r);
      }
    } catch (const Error& e) {
      skip_all(e.what());
    }
    return;
  }
  const size_t warnings_before = ctx.warnings.size();
  try {
    DeploymentOptions o;
    o.model = c.model, o.gpu = c.gpu, o.tp = c.tp, o.pp = c.pp, o.ep = c.ep;
    o.weights = parse_dtype(c.weights);
    if (c.kv_dtype) o.kv_dtype = parse_dtype(*c.kv_dtype);
    if (c.gpu_mem_util) o.gpu_mem_util = *c.gpu_mem_util;
    // The engine that was measured, when mlcalc has its profile (else the default engine).
    for (const auto& id : engine_ids())
      if (c.engine == id) o.engine = id;
    o.mode = Mode::realistic;
    const Deployment real = make_deployment(ctx, o);
    o.mode = Mode::roofline;
    const Deployment roof = make_deployment(ctx, o);
    for (const auto& [q, v] : c.measured) {
      ValidationRow r = make_row(c, q, v, predict_inference(real, c, q), predict_inference(roof, c, q));
      r.config = describe_config(c);
      if (!r.predicted) r.skipped = "does not fit or not expressible";
      rows.push_back(r);
    }
  } catch (const Error& e) {
    skip_all(e.what());
  }
  ctx.warnings.resize(warnings_before);  // per-case notes (dtype fallbacks) would drown the summary
}

void run_validate(Context& ctx, const ValidateOptions& o) {
  std::vector<ValidationCase> cases = load_validation_cases(o.files);
  std::vector<std::string> known_groups, known_ids;
  for (const auto& c : cases) {
    if (std::find(known_groups.begin(), known_groups.end(), c.group) == known_groups.end())
      known_groups.push_back(c.group);
    known_ids.push_back(c.id);
  }
  for (const auto& g : o.groups)
    if (std::find(known_groups.begin(), known_groups.end(), g) == known_groups.end())
      throw Error("unknown group '" + g + "'" + did_you_mean(g, known_groups), ErrorKind::usage);
  for (const auto& id : o.cases)
    if (std::find(known_ids.begin(), known_ids.end(), id) == known_ids.end())
      throw Error("unknown case '" + id + "'" + did_you_mean(id, known_ids), ErrorKind::usage);
  ValidationReport r;
  for (const auto& c : cases) {
    if (!o.groups.empty() && std::find(o.groups.begin(), o.groups.end(), c.group) == o.groups.end()) continue;
    if (!o.cases.empty() && std::find(o.cases.begin(), o.cases.end(), c.id) == o.cases.end()) continue;
    evaluate_case(ctx, c, r.rows);
  }
  r.groups = summarize(r.rows);
  ctx.emit(to_document(r, o.rows || !o.cases.empty()));
}

}  // namespace

Command validate_command() {
  auto o = std::make_shared<ValidateOptions>();
  return {"validate", "realistic mode against the published measurements shipped in validation/",
          [o](CLI::App& sub) {
            sub.add_option("--group", o->groups,
                           "only this group (repeatable): batch-1, serving, max-throughput, collectives");
            sub.add_option("--case", o->cases, "only this case id (repeatable); prints its rows");
            sub.add_option("--file", o->files, "also check the cases of this TOML file or directory (repeatable)")
                ->type_name("PATH");
            sub.add_flag("--rows", o->rows,
                         "print every row, not only the summary (JSON and CSV always have the rows)");
          },
          [o](Context& ctx) { run_validate(ctx, *o); }};
}

}  // namespace mlcalc::cli
