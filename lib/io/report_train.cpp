// train: step time, MFU, breakdown, time-to-train and cost; one result per network; ranked layouts.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson breakdown_json(const TrainBreakdown& b) {
  return {{"compute_s", b.compute_s}, {"tp_comm_s", b.tp_comm_s},           {"cp_comm_s", b.cp_comm_s},
          {"ep_comm_s", b.ep_comm_s}, {"pp_bubble_s", b.pp_bubble_s},       {"pp_comm_s", b.pp_comm_s},
          {"dp_comm_s", b.dp_comm_s}, {"exposed_comm_s", b.exposed_comm_s}, {"optimizer_s", b.optimizer_s}};
}

ojson result_json(const TrainResult& r, const TrainQuery& q) {
  const TrainStep& s = r.step;
  const TrainMemoryReport& m = r.memory;
  const TrainMemory& mm = m.memory;
  ojson memory = {{"per_gpu",
                   {{"weights_bytes", mm.weights},
                    {"gradients_bytes", mm.gradients},
                    {"optimizer_bytes", mm.optimizer},
                    {"activations_bytes", mm.activations},
                    {"logits_bytes", mm.logits},
                    {"sharding_buffer_bytes", mm.buffers},
                    {"overhead_bytes", mm.overhead},
                    {"total_bytes", mm.total}}},
                  {"gpu_memory_bytes", m.gpu ? jcount(m.gpu->memory_bytes) : ojson(nullptr)},
                  {"fits", m.fits ? ojson(*m.fits) : ojson(nullptr)},
                  {"headroom_bytes", jopt(m.headroom_bytes)},
                  {"max_micro_batch", m.max_micro_batch ? jcount(*m.max_micro_batch) : ojson(nullptr)},
                  {"shard_degree", mm.shard}};
  const TrainSetup& st = r.job.setup;
  return {{"step_time_s", s.step_time_s},
          {"tokens_per_step", jcount(s.tokens_per_step)},
          {"tokens_per_s", s.tokens_per_s},
          {"tokens_per_s_per_gpu", s.tokens_per_s_per_gpu},
          {"model_flops_per_token", s.model_flops_per_token},
          {"hardware_flops_per_token", s.hardware_flops_per_token},
          {"flops_convention", q.flops_name},
          {"mfu", s.mfu},
          {"hfu", s.hfu},
          {"model_tflops_per_gpu", s.model_tflops_per_gpu},
          {"peak_tflops", s.peak_flop_per_s / 1e12},
          {"breakdown", breakdown_json(s.breakdown)},
          {"bound", train_bound_name(s.bound)},
          {"dp", s.dp},
          {"micro_batches", s.micro_batches},
          {"bubble_fraction", s.bubble_fraction},
          {"nodes", s.nodes},
          {"memory", memory},
          {"time_to_train_s", jopt(r.time_to_train_s)},
          {"steps", r.steps ? jcount(*r.steps) : ojson(nullptr)},
          {"gpu_hours", jopt(r.gpu_hours)},
          {"cost_usd", jopt(r.cost_usd)},
          {"scale_out", r.scale_out ? ojson(r.scale_out->id) : ojson(nullptr)},
          {"layout",
           {{"tp", st.tp},
            {"pp", st.pp},
            {"cp", st.cp},
            {"ep", st.ep},
            {"dp", s.dp},
            {"vp", r.job.vp},
            {"micro_batch", jcount(st.micro_batch)},
            {"sequence_parallel", st.sequence_parallel}}}};
}

std::string secs(double s) {
  if (s >= 86400 * 2) return fmt::format("{:.1f} days", s / 86400);
  if (s >= 3600) return fmt::format("{:.1f} h", s / 3600);
  if (s >= 1) return fmt::format("{:.3g} s", s);
  return fmt::format("{:.3g} ms", s * 1e3);
}

Table step_table(const TrainResult& r, const TrainQuery& q) {
  const TrainStep& s = r.step;
  const TrainBreakdown& b = s.breakdown;
  Table t;
  t.columns = {"term", "seconds", "share", ""};
  t.left_align = {true, false, false, true};
  const std::vector<std::pair<std::string, double>> terms = {
      {"compute (fwd + bwd + recompute)", b.compute_s},
      {"TP communication", b.tp_comm_s},
      {"CP communication (exposed)", b.cp_comm_s},
      {"EP all-to-all", b.ep_comm_s},
      {"pipeline bubble", b.pp_bubble_s},
      {"pipeline hand-offs", b.pp_comm_s},
      {"DP/ZeRO exposed", b.exposed_comm_s - b.tp_comm_s - b.cp_comm_s - b.ep_comm_s - b.pp_comm_s},
      {"optimizer step", b.optimizer_s}};
  double biggest = 0;
  for (const auto& [k, v] : terms) biggest = std::max(biggest, v);
  for (const auto& [k, v] : terms)
    t.rows.push_back(
        {k, fmt_num(v, 4), fmt_num(100.0 * v / s.step_time_s, 1) + "%", bar(biggest > 0 ? v / biggest : 0, 30)});
  t.rows.push_back({"step", fmt_num(s.step_time_s, 4), "100.0%", ""});
  const TrainSetup& st = r.job.setup;
  t.title = fmt::format(
      "Training step: {} on {} x {} ({} nodes, {}), tp {} pp {} cp {} ep {} dp {}{}, micro-batch {} x {} "
      "micro-batches, "
      "seq {}, {} recompute, {}",
      q.names.model_id, st.num_gpus, q.cluster.gpu->id, s.nodes, r.scale_out ? r.scale_out->id : "one node", st.tp,
      st.pp, st.cp, st.ep, s.dp, r.job.vp > 1 ? fmt::format(" vp {}", r.job.vp) : "", fmt_count(st.micro_batch),
      s.micro_batches, fmt_count(st.seq), q.names.recompute, q.names.precision);
  t.notes.push_back(
      fmt::format("{:.0f} tokens/s ({:.0f} per GPU); MFU {:.1f}% and HFU {:.1f}% of the {:.0f} TFLOP/s dense peak "
                  "({} FLOPs/token: {}); {:.0f} model TFLOP/s per GPU",
                  s.tokens_per_s, s.tokens_per_s_per_gpu, 100 * s.mfu, 100 * s.hfu, s.peak_flop_per_s / 1e12,
                  fmt_si(s.model_flops_per_token),
                  q.flops_name == "megatron" ? "Korthikanti et al. 2022 Eq. 7" : "6N + 12 L h s, PaLM appendix B",
                  s.model_tflops_per_gpu));
  t.notes.push_back(
      fmt::format("bound by {}; pipeline bubble (p-1)/(v m) = {:.1f}%; DP traffic {} of which exposed above",
                  train_bound_name(s.bound), 100 * s.bubble_fraction, secs(b.dp_comm_s)));
  const TrainMemoryReport& m = r.memory;
  if (m.fits)
    t.notes.push_back(fmt::format("memory per GPU {:.1f} GiB of {:.0f}: {}", m.memory.total / kGiB,
                                  m.gpu->memory_bytes / kGiB, *m.fits ? "fits" : "DOES NOT FIT"));
  if (r.time_to_train_s)
    t.notes.push_back(fmt::format("time to train: {} over {} steps; {} GPU-hours{}", secs(*r.time_to_train_s),
                                  fmt_count(*r.steps), fmt_si(*r.gpu_hours),
                                  r.cost_usd ? fmt::format("; ${} at ${:.2f}/GPU-h ({})", fmt_si(*r.cost_usd),
                                                           *q.usd_per_gpu_hour, q.price_source)
                                             : ""));
  t.notes.push_back(q.job.mode == Mode::roofline
                        ? "roofline: peak FLOP/s and bandwidth, ideal links, every communication overlapped: an "
                          "upper bound on speed"
                        : "realistic: measured matmul fractions, FlashAttention efficiencies, measured NCCL bus "
                          "bandwidths, Megatron-LM/FSDP overlap rules (docs/model.md \"Training time\")");
  return t;
}

}  // namespace

Document to_document(const TrainReport& r) {
  const TrainQuery& q = r.query;
  Document doc;
  doc.command = "train";
  doc.warnings = r.warnings;
  for (const auto& res : r.results)
    for (const auto& w : res.step.warnings)
      if (std::find(doc.warnings.begin(), doc.warnings.end(), w) == doc.warnings.end()) doc.warnings.push_back(w);
  for (const auto& w : r.results.front().memory.warnings)
    if (std::find(doc.warnings.begin(), doc.warnings.end(), w) == doc.warnings.end()) doc.warnings.push_back(w);
  doc.result = result_json(r.results.front(), q);
  if (r.results.size() > 1) {
    ojson by = ojson::array();
    for (const auto& res : r.results) by.push_back(result_json(res, q));
    doc.result["by_scale_out"] = by;
  }
  for (const auto& res : r.results) {
    ojson rec = result_json(res, q);
    rec.erase("memory");
    rec["memory_total_bytes"] = res.memory.memory.total;
    rec["fits"] = res.memory.fits ? ojson(*res.memory.fits) : ojson(nullptr);
    if (!r.layouts.empty()) rec["record"] = "result";
    doc.records.push_back(rec);
    doc.tables.push_back(step_table(res, q));
  }
  if (r.results.size() > 1) {
    Table t;
    t.title = "By scale-out network";
    t.columns = {"network", "step s", "tokens/s/GPU", "MFU", "exposed comm s", "time to train", "GPU-hours", "cost $"};
    for (const auto& res : r.results)
      t.rows.push_back({res.scale_out ? res.scale_out->id : "-", fmt_num(res.step.step_time_s, 4),
                        fmt_num(res.step.tokens_per_s_per_gpu, 0), fmt_num(100 * res.step.mfu, 1) + "%",
                        fmt_num(res.step.breakdown.exposed_comm_s, 4),
                        res.time_to_train_s ? secs(*res.time_to_train_s) : "-",
                        res.gpu_hours ? fmt_si(*res.gpu_hours) : "-", res.cost_usd ? fmt_si(*res.cost_usd) : "-"});
    doc.tables.push_back(t);
  }
  if (!r.layouts.empty()) {
    ojson arr = ojson::array();
    Table t;
    t.title = fmt::format("Fastest layouts that fit ({} evaluated, {} fit)", r.layouts_evaluated, r.layouts_fit);
    t.columns = {"#",           "tp",     "pp",           "vp",  "cp",  "ep",   "dp",
                 "micro-batch", "step s", "tokens/s/GPU", "MFU", "GiB", "bound"};
    int rank = 0;
    for (const auto& l : r.layouts) {
      const int dp = q.job.setup.num_gpus / (l.tp * l.pp * l.cp);
      ojson j = {{"rank", ++rank},
                 {"tp", l.tp},
                 {"pp", l.pp},
                 {"vp", l.vp},
                 {"cp", l.cp},
                 {"ep", l.ep},
                 {"dp", dp},
                 {"micro_batch", jcount(l.micro_batch)},
                 {"sequence_parallel", l.sequence_parallel},
                 {"step_time_s", l.step_time_s},
                 {"mfu", l.mfu},
                 {"tokens_per_s_per_gpu", l.tokens_per_s_per_gpu},
                 {"memory_bytes", l.memory_bytes},
                 {"fits", l.fits},
                 {"bound", train_bound_name(l.bound)}};
      arr.push_back(j);
      ojson rec = j;
      rec["record"] = "layout";
      doc.records.push_back(rec);
      t.rows.push_back({std::to_string(rank), std::to_string(l.tp), std::to_string(l.pp), std::to_string(l.vp),
                        std::to_string(l.cp), std::to_string(l.ep), std::to_string(dp), fmt_count(l.micro_batch),
                        fmt_num(l.step_time_s, 4), fmt_num(l.tokens_per_s_per_gpu, 0), fmt_num(100 * l.mfu, 1) + "%",
                        fmt_num(l.memory_bytes / kGiB, 1), train_bound_name(l.bound)});
    }
    doc.result["layouts"] = arr;
    doc.result["layouts_evaluated"] = r.layouts_evaluated;
    doc.result["layouts_fit"] = r.layouts_fit;
    doc.tables.insert(doc.tables.begin(), t);
  }
  const TrainSetup& s = q.job.setup;
  doc.inputs = {{"model", q.names.model_id},
                {"gpu", q.cluster.gpu->id},
                {"num_gpus", s.num_gpus},
                {"gpus_per_node", q.cluster.gpus_per_node},
                {"scale_up", q.cluster.scale_up ? ojson(q.cluster.scale_up->id) : ojson(nullptr)},
                {"tp", s.tp},
                {"pp", s.pp},
                {"cp", s.cp},
                {"ep", s.ep},
                {"vp", q.job.vp},
                {"schedule", q.schedule_name},
                {"zero", s.zero},
                {"fsdp", q.names.fsdp},
                {"seq", jcount(s.seq)},
                {"global_batch", jcount(q.job.global_batch)},
                {"micro_batch", jcount(s.micro_batch)},
                {"recompute", q.names.recompute},
                {"sequence_parallel", s.sequence_parallel},
                {"precision", q.names.precision},
                {"optimizer", q.names.optimizer},
                {"mode", q.job.mode == Mode::roofline ? "roofline" : "realistic"},
                {"flops", q.flops_name},
                {"layout", q.auto_layout ? "auto" : "given"},
                {"tokens", jopt(q.tokens)},
                {"usd_per_gpu_hour", jopt(q.usd_per_gpu_hour)},
                {"price_source", q.price_source}};
  return doc;
}

}  // namespace mlcalc
