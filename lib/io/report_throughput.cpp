// throughput: the batch sweep and the serving point.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson step_json(const Step& s) {
  return {{"time_s", s.time},
          {"bound", bound_name(s.bound)},
          {"weight_bytes", s.weight_bytes},
          {"kv_bytes", s.kv_bytes},
          {"state_bytes", s.state_bytes},
          {"total_bytes", s.total_bytes},
          {"flops", s.flops},
          {"memory_time_s", s.t_memory},
          {"compute_time_s", s.t_compute},
          {"comm_time_s", s.t_comm},
          {"overhead_time_s", s.t_overhead},
          {"bubble_time_s", s.t_bubble},
          {"micro_batches", s.micro_batches},
          {"matmul_efficiency", s.matmul_eff},
          {"expert_matmul_efficiency", s.expert_matmul_eff},
          {"allreduce", s.allreduce}};
}

std::string ms(double s) {
  return s < 0.01 ? fmt::format("{:.3f}", s * 1e3) : fmt::format("{:.2f}", s * 1e3);
}

// `a`, or only its head when it ends with the same ": note" as `b` (one GPU's [efficiency] note
// covers both fractions: printing it twice made a 658-character line).
std::string same_note(const std::string& a, const std::string& b) {
  if (a == b) return "same source";
  const size_t pa = a.find(": "), pb = b.find(": ");
  if (pa != std::string::npos && pb != std::string::npos && a.substr(pa) == b.substr(pb))
    return a.substr(0, pa) + ", same note";
  return a;
}

void explain_step(Table& t, const std::string& what, const Step& s, const Deployment& d) {
  const double bw = d.gpu->memory_bw_bytes_per_s;
  t.notes.push_back(fmt::format(
      "{}: bytes/GPU {:.3f} GB (weights {:.3f} + KV {:.3f} + state {:.3f}) / ({:.2f} TB/s x {:.2f}{}) = {} ms; "
      "FLOPs/GPU {:.3f} TFLOP / ({:.0f} TFLOP/s x {:.3f}) = {} ms; comm {} ms; overhead {} ms; step {} ms ({}-bound)",
      what, s.total_bytes / kGB, s.weight_bytes / kGB, s.kv_bytes / kGB, s.state_bytes / kGB, bw / kTera,
      d.eff.memory_bw, d.eff.dequant < 1 ? fmt::format(" x dequant {:.2f} on weights", d.eff.dequant) : "",
      ms(s.t_memory), s.flops / kTera, d.peak.flop_per_s / kTera, s.matmul_eff, ms(s.t_compute), ms(s.t_comm),
      ms(s.t_overhead), ms(s.time), bound_name(s.bound)));
}

}  // namespace

Document to_document(const ThroughputReport& rep) {
  const Deployment& d = rep.dep;
  const ThroughputQuery& q = rep.query;
  const Architecture& a = *d.arch;
  const bool roof = d.mode == Mode::roofline;
  Document doc;
  doc.command = "throughput";
  doc.warnings = rep.warnings;
  ojson rows = ojson::array();
  Table t;
  t.title =
      fmt::format("{} on {} x {} (tp {}, pp {}{}), weights {}, KV {}, input {} / output {} tokens: {}", a.name,
                  d.num_gpus(), d.gpu->id, d.tp, d.pp, d.ep > 1 ? fmt::format(", ep {}", d.ep) : "",
                  d.weights.name() + (d.experts == d.weights ? "" : "/" + d.experts.name()), d.kv.name(),
                  fmt_count(q.input), fmt_count(q.output),
                  roof ? "ROOFLINE (upper bound: peak bandwidth and FLOP/s, no overheads)" : "realistic estimate");
  t.columns = {"batch", "TTFT (ms)", "TPOT (ms)", "e2e (s)",           "tok/s/user",   "out tok/s", "out tok/s/GPU",
               "bound", "MBU",       "MFU",       "weights/GPU (GiB)", "KV/GPU (GiB)", "fits"};
  // A narrow terminal keeps batch, latencies, tokens/s per GPU, bound and fits.
  t.wide = {false, false, false, true, true, true, false, false, true, true, true, true, false};
  for (const BatchRow& r : rep.rows) {
    // When the weights (with the workspace and reserve) alone exceed the GPU, no batch runs: the
    // row has no latency or throughput (null). A batch whose KV overflows keeps its figures with
    // fits: false (what it would take, for sizing).
    const InferenceMemory& m = r.memory;
    const bool fits = m.weights + m.activations + m.other <= m.capacity * d.gpu_mem_util;
    auto num = [fits](double v) { return fits ? ojson(v) : ojson(nullptr); };
    ojson j = {{"batch", jcount(r.batch)},
               {"ttft_s", num(r.ttft_s)},
               {"tpot_s", num(r.tpot_s)},
               {"e2e_s", num(r.e2e_s)},
               {"tokens_per_s_per_user", num(r.tokens_per_s_per_user)},
               {"output_tokens_per_s", num(r.output_tokens_per_s)},
               {"output_tokens_per_s_per_gpu", num(r.output_tokens_per_s_per_gpu)},
               {"decode_tokens_per_s", num(r.decode_tokens_per_s)},
               {"bound", fits ? ojson(bound_name(r.decode.bound)) : ojson(nullptr)},
               {"allreduce", r.decode.allreduce},
               {"mbu", num(r.mbu)},
               {"mfu", num(r.mfu)},
               {"weight_bytes_per_gpu", r.memory.weights},
               {"kv_cache_bytes_per_gpu", r.memory.kv},
               {"state_bytes_per_gpu", r.memory.state},
               {"memory_bytes_per_gpu", r.memory.total},
               {"fits", r.memory.fits}};
    if (q.explain) j["decode"] = step_json(r.decode), j["prefill"] = step_json(r.prefill);
    rows.push_back(j);
    auto cell = [fits](const std::string& v) { return fits ? v : std::string("-"); };
    t.rows.push_back({fmt_count(r.batch), cell(ms(r.ttft_s)), cell(ms(r.tpot_s)), cell(fmt_num(r.e2e_s, 3)),
                      cell(fmt_num(r.tokens_per_s_per_user, 1)), cell(fmt_num(r.output_tokens_per_s, 1)),
                      cell(fmt_num(r.output_tokens_per_s_per_gpu, 1)), cell(bound_name(r.decode.bound)),
                      cell(fmt_num(r.mbu, 2)), cell(fmt_num(r.mfu, 3)), fmt_num(r.memory.weights / kGiB, 2),
                      fmt_num(r.memory.kv / kGiB, 2), r.memory.fits ? "yes" : "NO"});
    if (q.explain) {
      explain_step(t,
                   fmt::format("batch {} decode at context {}", fmt_count(r.batch), fmt_count(q.input + q.output / 2)),
                   r.decode, d);
      explain_step(t, fmt::format("batch {} prefill of {} tokens", fmt_count(r.batch), fmt_count(q.input)), r.prefill,
                   d);
    }
  }
  t.notes.push_back(
      fmt::format("decode at mean context input + output/2; TTFT = prefill of the whole batch; "
                  "out tok/s = batch x output / e2e; MBU/MFU of the decode step per GPU ({} peak {:.0f} TFLOP/s)",
                  compute_class_name(d.peak.used), d.peak.flop_per_s / kTera));
  if (!roof)
    t.notes.push_back(fmt::format(
        "efficiencies: memory {:.2f} ({}); matmul {:.2f} ({}); TP all-reduce {}; per-step overhead {} ms, "
        "per layer {} ms, per sequence {} ms ({}); small GEMMs M/(M+{:.0f})",
        d.eff.memory_bw, d.eff.memory_source, d.eff.matmul, same_note(d.eff.matmul_source, d.eff.memory_source),
        rep.rows.empty() ? std::string("-") : rep.rows.front().decode.allreduce, ms(d.eff.step_overhead_s),
        ms(d.eff.layer_overhead_s), ms(d.eff.seq_overhead_s), d.eff.overhead_source, d.eff.small_gemm_rows));
  doc.tables = {t};
  doc.result = {{"mode", roof ? "roofline" : "realistic"}, {"rows", rows}};
  doc.records = rows;

  if (rep.serving) {
    const Serving& s = *rep.serving;
    const ServingLoad& w = rep.load;
    const bool open_loop = w.request_rate > 0;
    // Without a fit or a feasible load there are no figures: null, and the problem names the fix.
    const bool figures = s.fits && s.feasible;
    auto num = [&](double v) { return figures ? ojson(v) : ojson(nullptr); };
    auto cnt = [&](double v) { return figures ? jcount(v) : ojson(nullptr); };
    ojson sj = {{"engine", s.engine},
                {"fits", s.fits},
                {"concurrency", cnt(s.concurrency)},
                {"running", num(s.running)},
                {"max_batch", w.max_batch > 0 ? jcount(w.max_batch) : ojson(nullptr)},
                {"max_num_batched_tokens", jcount(w.max_batched_tokens)},
                {"max_concurrency_memory", s.fits ? jcount(s.max_concurrency_memory) : ojson(nullptr)},
                {"limited_by", figures ? ojson(limit_name(s.limited_by)) : ojson(nullptr)},
                {"output_tokens_per_s", num(s.output_tokens_per_s)},
                {"output_tokens_per_s_per_gpu", num(s.output_tokens_per_s / d.num_gpus())},
                {"total_tokens_per_s", num(s.total_tokens_per_s)},
                {"requests_per_s", num(s.requests_per_s)},
                {"ttft_s", num(s.ttft_s)},
                {"tpot_s", num(s.tpot_s)},
                {"e2e_s", num(s.e2e_s)},
                {"queue_s", num(s.queue_s)},
                {"prefill_wait_s", num(s.prefill_wait_s)},
                {"chunk_tokens", num(s.chunk_tokens)},
                {"mixed_step_fraction", num(s.mixed_step_fraction)},
                {"in_step_share", num(s.in_step_share)},
                {"spread_step_time_s", num(s.spread_step_s)},
                {"prefill_tokens_per_step", num(s.prefill_tokens_per_step)},
                {"prefill_share", num(s.prefill_share)},
                {"request_rate", open_loop ? ojson(w.request_rate) : ojson(nullptr)},
                {"max_request_rate", open_loop ? ojson(s.max_request_rate) : ojson(nullptr)},
                {"problem", s.problem.empty() ? ojson(nullptr) : ojson(s.problem)},
                {"bound", figures ? ojson(bound_name(s.decode.bound)) : ojson(nullptr)},
                {"step", figures ? step_json(s.step) : ojson(nullptr)},
                {"decode_step", figures ? step_json(s.decode) : ojson(nullptr)}};
    doc.result["serving"] = sj;
    // CSV: the batch rows and the serving point, told apart by a `record` column.
    ojson recs = ojson::array();
    for (const auto& r : rows) {
      ojson x = {{"record", "batch"}};
      x.update(r);
      recs.push_back(x);
    }
    ojson x = {{"record", "serving"}};
    x.update(sj);
    recs.push_back(x);
    doc.records = recs;
    Table st;
    st.title = fmt::format("Serving at steady state ({}, {})", s.engine,
                           open_loop ? "open loop, Poisson arrivals" : "closed loop, fixed concurrency");
    st.columns = {"quantity", "value"};
    st.left_align = {true, true};
    auto cell = [&](const std::string& v) { return figures ? v : std::string("-"); };
    st.rows = {{"engine",
                s.engine + fmt::format(" (max batch {}, {} tokens per step{})",
                                       w.max_batch > 0 ? fmt_count(w.max_batch) : std::string("memory-bound"),
                                       fmt_count(w.max_batched_tokens), w.chunked_prefill ? ", chunked prefill" : "")},
               {"concurrency (requests in the system)",
                cell(fmt_count(s.concurrency) + " (limited by " + std::string(limit_name(s.limited_by)) + ")")},
               {"running (holding KV)", cell(fmt_count(s.running))},
               {"KV-memory bound", s.fits ? fmt_count(s.max_concurrency_memory) + " requests" : std::string("-")},
               {"output tokens/s (group)", cell(fmt_num(s.output_tokens_per_s, 1))},
               {"output tokens/s per GPU", cell(fmt_num(s.output_tokens_per_s / d.num_gpus(), 1))},
               {"total tokens/s (input + output)", cell(fmt_num(s.total_tokens_per_s, 1))},
               {"requests/s", cell(fmt_num(s.requests_per_s, 3))},
               {"TTFT (ms)", cell(ms(s.ttft_s) + " (slot wait " + ms(s.queue_s) + ", behind other prompts " +
                                  ms(s.prefill_wait_s) + ")")},
               {"TPOT / ITL (ms)", cell(ms(s.tpot_s))},
               {"prefill share of GPU time", cell(fmt_num(s.prefill_share * 100, 1) + "%")},
               {"step bound", cell(bound_name(s.decode.bound))}};
    if (open_loop) st.rows.push_back({"max sustainable rate (req/s)", fmt_num(s.max_request_rate, 3)});
    if (!s.fits) st.notes.push_back("does not fit: " + s.problem);
    st.notes.push_back(
        open_loop
            ? "open loop: decodes = rate x output x TPOT (Little); prompts prefilled in chunks; TTFT = half a step + "
              "M/D/1 wait + own chunk steps (docs/model.md \"Serving engine model\")"
            : "closed loop: equal requests stay in step, so each cycle a burst of prompts is prefilled in "
              "token-budget chunks alongside decodes; TTFT = the burst's steps up to a request's last chunk "
              "+ slot wait (docs/model.md \"Serving engine model\")");
    if (q.explain && figures) {
      explain_step(st, "step with a prefill chunk", s.step, d);
      explain_step(st, "decode-only step", s.decode, d);
    }
    // The serving point is the answer a --concurrency / --request-rate query asks for: first.
    doc.tables.insert(doc.tables.begin(), st);
  }
  ojson in = deployment_json(d);
  ojson batches = ojson::array();
  for (double b : q.batches) batches.push_back(jcount(b));
  in["batch"] = batches;
  in["input_tokens"] = jcount(q.input);
  in["output_tokens"] = jcount(q.output);
  in["input"] = jcount(q.input);  // the workload, under the names the flags have
  in["output"] = jcount(q.output);
  in["concurrency"] = !q.serve || q.request_rate > 0 ? ojson(nullptr)
                      : q.concurrency > 0            ? jcount(q.concurrency)
                                                     : ojson("auto");
  in["request_rate"] = q.request_rate > 0 ? ojson(q.request_rate) : ojson(nullptr);
  in["max_batch"] = q.max_batch >= 0 ? jcount(q.max_batch) : ojson("engine default");
  in["tpot_slo_s"] = q.tpot_slo_s > 0 ? ojson(q.tpot_slo_s) : ojson(nullptr);
  in["ttft_slo_s"] = q.ttft_slo_s > 0 ? ojson(q.ttft_slo_s) : ojson(nullptr);
  doc.inputs = in;
  doc.chart = to_chart(rep);
  return doc;
}

}  // namespace mlcalc
