// mlcalc throughput: tokens/s, TTFT, TPOT of a model on a GPU setup.
#include <fmt/format.h>

#include "common.hpp"
#include "deployment.hpp"

namespace mlcalc {

namespace {

struct ThroughputOptions {
  DeploymentOptions dep;
  std::string batch = "1", concurrency, tpot_slo, ttft_slo;
  double input = 128, output = 1, max_batch = 256;
  bool check = false, explain = false;
};

ojson step_json(const Step& s) {
  return {{"time_s", s.time},           {"bound", s.bound},
          {"weight_bytes", s.weight_bytes}, {"kv_bytes", s.kv_bytes},
          {"state_bytes", s.state_bytes}, {"total_bytes", s.total_bytes},
          {"flops", s.flops},           {"memory_time_s", s.t_memory},
          {"compute_time_s", s.t_compute}, {"comm_time_s", s.t_comm},
          {"overhead_time_s", s.t_overhead}, {"bubble_time_s", s.t_bubble},
          {"micro_batches", s.micro_batches},  {"matmul_efficiency", s.matmul_eff},
          {"expert_matmul_efficiency", s.expert_matmul_eff}, {"allreduce", s.allreduce}};
}

std::string ms(double s) { return s < 0.01 ? fmt::format("{:.3f}", s * 1e3) : fmt::format("{:.2f}", s * 1e3); }

void explain_step(Table& t, const std::string& what, const Step& s, const Deployment& d) {
  const double bw = d.gpu->memory_bw_bytes_per_s;
  t.notes.push_back(fmt::format(
      "{}: bytes/GPU {:.3f} GB (weights {:.3f} + KV {:.3f} + state {:.3f}) / ({:.2f} TB/s x {:.2f}{}) = {} ms; "
      "FLOPs/GPU {:.3f} TFLOP / ({:.0f} TFLOP/s x {:.3f}) = {} ms; comm {} ms; overhead {} ms; step {} ms ({}-bound)",
      what, s.total_bytes / kGB, s.weight_bytes / kGB, s.kv_bytes / kGB, s.state_bytes / kGB, bw / kTera, d.eff.memory_bw,
      d.eff.dequant < 1 ? fmt::format(" x dequant {:.2f} on weights", d.eff.dequant) : "", ms(s.t_memory),
      s.flops / kTera, d.peak.flop_per_s / kTera, s.matmul_eff, ms(s.t_compute), ms(s.t_comm), ms(s.t_overhead),
      ms(s.time), s.bound));
}

void run_throughput(Context& ctx, const ThroughputOptions& o) {
  const Deployment d = make_deployment(ctx, o.dep);
  const std::vector<double> batches = parse_count_list(o.batch, "--batch");
  const Architecture& a = *d.arch;
  if (a.max_context > 0 && o.input + o.output > a.max_context)
    ctx.warn(fmt::format("input + output = {} tokens is beyond the model's max_position_embeddings {}",
                         fmt_count(o.input + o.output), fmt_count(double(a.max_context))));
  const double tpot_slo = o.tpot_slo.empty() ? 0 : parse_duration_s(o.tpot_slo, "--tpot-slo");
  const double ttft_slo = o.ttft_slo.empty() ? 0 : parse_duration_s(o.ttft_slo, "--ttft-slo");

  ojson rows = ojson::array();
  Table t;
  const bool roof = d.mode == Mode::roofline;
  t.title = fmt::format("{} on {} x {} (tp {}, pp {}{}), weights {}, KV {}, input {} / output {} tokens: {}", a.name,
                        d.num_gpus(), d.gpu->id, d.tp, d.pp, d.ep > 1 ? fmt::format(", ep {}", d.ep) : "",
                        d.weights.name() + (d.experts == d.weights ? "" : "/" + d.experts.name()), d.kv.name(),
                        fmt_count(o.input), fmt_count(o.output),
                        roof ? "ROOFLINE (upper bound: peak bandwidth and FLOP/s, no overheads)" : "realistic estimate");
  t.columns = {"batch", "TTFT (ms)", "TPOT (ms)", "e2e (s)", "tok/s/user", "out tok/s", "out tok/s/GPU", "bound",
               "MBU", "MFU", "weights/GPU (GiB)", "KV/GPU (GiB)", "fits"};
  bool all_fit = true;
  for (double b : batches) {
    const BatchRow r = evaluate_batch(d, b, o.input, o.output);
    all_fit &= r.memory.fits;
    ojson j = {{"batch", b},
               {"ttft_s", r.ttft_s},
               {"tpot_s", r.tpot_s},
               {"e2e_s", r.e2e_s},
               {"tokens_per_s_per_user", r.tokens_per_s_per_user},
               {"output_tokens_per_s", r.output_tokens_per_s},
               {"output_tokens_per_s_per_gpu", r.output_tokens_per_s_per_gpu},
               {"decode_tokens_per_s", r.decode_tokens_per_s},
               {"bound", r.decode.bound},
               {"allreduce", r.decode.allreduce},
               {"mbu", r.mbu},
               {"mfu", r.mfu},
               {"weight_bytes_per_gpu", r.memory.weights},
               {"kv_cache_bytes_per_gpu", r.memory.kv},
               {"state_bytes_per_gpu", r.memory.state},
               {"memory_bytes_per_gpu", r.memory.total},
               {"fits", r.memory.fits}};
    if (o.explain) j["decode"] = step_json(r.decode), j["prefill"] = step_json(r.prefill);
    rows.push_back(j);
    t.rows.push_back({fmt_count(b), ms(r.ttft_s), ms(r.tpot_s), fmt_num(r.e2e_s, 3), fmt_num(r.tokens_per_s_per_user, 1),
                      fmt_num(r.output_tokens_per_s, 1), fmt_num(r.output_tokens_per_s_per_gpu, 1), r.decode.bound,
                      fmt_num(r.mbu, 2), fmt_num(r.mfu, 3), fmt_num(r.memory.weights / kGiB, 2),
                      fmt_num(r.memory.kv / kGiB, 2), r.memory.fits ? "yes" : "NO"});
    if (o.explain) {
      explain_step(t, fmt::format("batch {} decode at context {}", fmt_count(b), fmt_count(o.input + o.output / 2)), r.decode, d);
      explain_step(t, fmt::format("batch {} prefill of {} tokens", fmt_count(b), fmt_count(o.input)), r.prefill, d);
    }
  }
  t.notes.push_back(fmt::format("decode at mean context input + output/2; TTFT = prefill of the whole batch; "
                                "out tok/s = batch x output / e2e; MBU/MFU of the decode step per GPU ({} peak {:.0f} TFLOP/s)",
                                compute_class_name(d.peak.used), d.peak.flop_per_s / kTera));
  if (!roof)
    t.notes.push_back(fmt::format("efficiencies: memory {:.2f} ({}); matmul {:.2f} ({}); TP all-reduce {}; per-step overhead {} ms, "
                                  "per layer {} ms, per sequence {} ms ({}); small GEMMs M/(M+{:.0f})",
                                  d.eff.memory_bw, d.eff.memory_source, d.eff.matmul, d.eff.matmul_source,
                                  evaluate_batch(d, 1, o.input, o.output).decode.allreduce, ms(d.eff.step_overhead_s),
                                  ms(d.eff.layer_overhead_s), ms(d.eff.seq_overhead_s), d.eff.overhead_source,
                                  d.eff.small_gemm_rows));
  std::vector<Table> tables = {t};
  ojson result = {{"mode", roof ? "roofline" : "realistic"}, {"rows", rows}};

  if (!o.concurrency.empty()) {
    double c = 0;
    if (o.concurrency != "auto") c = parse_count(o.concurrency, "--concurrency");
    const Serving s = evaluate_serving(d, o.input, o.output, c, o.max_batch, tpot_slo, ttft_slo);
    if (s.concurrency < 1) {
      all_fit = false;
      ctx.warn(s.max_concurrency_memory < 1 ? "no request fits in the KV memory left after the weights"
                                            : "no concurrency meets the latency targets");
    }
    if (c > s.max_concurrency_memory)
      ctx.warn(fmt::format("concurrency {} exceeds the {} requests the KV memory holds", fmt_count(c),
                           fmt_count(s.max_concurrency_memory)));
    result["serving"] = {{"concurrency", s.concurrency},
                         {"max_concurrency_memory", s.max_concurrency_memory},
                         {"limited_by", s.limited_by},
                         {"output_tokens_per_s", s.output_tokens_per_s},
                         {"output_tokens_per_s_per_gpu", s.output_tokens_per_s / d.num_gpus()},
                         {"total_tokens_per_s", s.total_tokens_per_s},
                         {"requests_per_s", s.requests_per_s},
                         {"ttft_s", s.ttft_s},
                         {"tpot_s", s.tpot_s},
                         {"e2e_s", s.e2e_s},
                         {"prefill_tokens_per_step", s.prefill_tokens_per_step},
                         {"bound", s.step.bound},
                         {"step", step_json(s.step)}};
    Table st;
    st.title = "Serving at steady state (continuous batching)";
    st.columns = {"quantity", "value"};
    st.left_align = {true, true};
    st.rows = {{"concurrency (requests in flight)", fmt_count(s.concurrency) + " (limited by " + s.limited_by + ")"},
               {"KV-memory bound", fmt_count(s.max_concurrency_memory) + " requests"},
               {"output tokens/s (group)", fmt_num(s.output_tokens_per_s, 1)},
               {"output tokens/s per GPU", fmt_num(s.output_tokens_per_s / d.num_gpus(), 1)},
               {"total tokens/s (input + output)", fmt_num(s.total_tokens_per_s, 1)},
               {"requests/s", fmt_num(s.requests_per_s, 3)},
               {"TTFT (ms)", ms(s.ttft_s)},
               {"TPOT (ms)", ms(s.tpot_s)},
               {"step bound", s.step.bound}};
    st.notes.push_back("each iteration decodes every running request and prefills arrivals (concurrency x input / output prompt tokens)");
    if (o.explain) explain_step(st, "serving iteration", s.step, d);
    tables.push_back(st);
  }
  ojson inputs = deployment_json(d, o.dep);
  inputs["batch"] = batches;
  inputs["input_tokens"] = o.input;
  inputs["output_tokens"] = o.output;
  inputs["concurrency"] = o.concurrency.empty() ? ojson(nullptr) : ojson(o.concurrency);
  inputs["max_batch"] = o.max_batch;
  inputs["tpot_slo_s"] = tpot_slo > 0 ? ojson(tpot_slo) : ojson(nullptr);
  inputs["ttft_slo_s"] = ttft_slo > 0 ? ojson(ttft_slo) : ojson(nullptr);
  emit(ctx, "throughput", inputs, result, tables);
  if (o.check && !all_fit) ctx.exit_code = 3;
}

}  // namespace

void add_throughput(CLI::App& sub, Context& ctx) {
  auto o = std::make_shared<ThroughputOptions>();
  add_deployment_options(sub, o->dep, true);
  sub.add_option("--batch,-b", o->batch, "batch sizes: 1,8,64 or 1..256 (powers of two); default 1");
  add_count(sub, "--input", o->input, "prompt tokens per request (default 128)");
  add_count(sub, "--output", o->output, "generated tokens per request (default 1)");
  sub.add_option("--concurrency", o->concurrency, "steady-state serving: auto or N requests in flight");
  add_count(sub, "--max-batch", o->max_batch, "engine cap on running requests (default 256, vLLM max_num_seqs)");
  sub.add_option("--tpot-slo", o->tpot_slo, "TPOT target, e.g. 50ms");
  sub.add_option("--ttft-slo", o->ttft_slo, "TTFT target, e.g. 2s");
  sub.add_flag("--check", o->check, "exit 3 when a row (or the serving point) does not fit in memory");
  sub.add_flag("--explain", o->explain, "print each term of every row (bytes, FLOPs, times, efficiencies)");
  sub.callback([&ctx, o] { run_throughput(ctx, *o); });
}

}  // namespace mlcalc
