// vram infer / vram train: per-GPU memory breakdowns.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

// One breakdown row per term with a bar scaled to the largest term (tables only; CSV has the numbers).
Table breakdown(const std::vector<std::pair<std::string, double>>& terms, double total, double capacity) {
  Table t;
  double biggest = 0;
  for (const auto& [k, v] : terms) biggest = std::max(biggest, v);
  t.columns = {"term", "GiB", "share", ""};
  t.left_align = {true, false, false, true};
  for (const auto& [k, v] : terms)
    t.rows.push_back({k, fmt_num(v / kGiB, 2), fmt_num(total > 0 ? 100.0 * v / total : 0, 1) + "%",
                      bar(biggest > 0 ? v / biggest : 0, 30)});
  t.rows.push_back({"total", fmt_num(total / kGiB, 2), "100.0%", ""});
  t.rows.push_back({"GPU memory", fmt_num(capacity / kGiB, 2), "", ""});
  return t;
}

}  // namespace

Document to_document(const InferMemoryReport& r) {
  const Deployment& d = r.dep;
  const Architecture& a = *d.arch;
  const InferenceMemory& m = r.memory;
  Document doc;
  doc.command = "vram infer";
  doc.warnings = r.warnings;
  ojson per_gpu = {{"weights_bytes", m.weights},         {"kv_cache_bytes", m.kv}, {"state_bytes", m.state},
                   {"activations_bytes", m.activations}, {"other_bytes", m.other}, {"total_bytes", m.total}};
  doc.result = {{"per_gpu", per_gpu},
                {"gpu_memory_bytes", jcount(m.capacity)},
                {"usable_bytes", r.usable_bytes},
                {"fits", m.fits},
                {"max_batch", jcount(r.max_batch)},
                {"max_context", r.max_context ? jcount(*r.max_context) : ojson(nullptr)},
                {"max_context_capped", r.max_context_capped},
                {"kv_capacity_tokens", jcount(r.kv_capacity_tokens)},
                {"kv_bytes_per_token_per_gpu", r.kv_bytes_per_token_per_gpu},
                {"context_tokens", jcount(r.context)},
                {"batch", jcount(r.batch)}};
  doc.records.push_back(doc.result);
  Table t = breakdown({{"weights", m.weights},
                       {"KV cache", m.kv},
                       {"recurrent state", m.state},
                       {"activation workspace", m.activations},
                       {"runtime overhead", m.other}},
                      m.total, m.capacity);
  t.title = fmt::format(
      "Inference memory per GPU: {} on {} x {} (tp {}, pp {}), weights {}, KV {}, batch {} x context {}", a.name,
      d.num_gpus(), d.gpu->id, d.tp, d.pp, d.weights.name() + (d.experts == d.weights ? "" : "/" + d.experts.name()),
      d.kv.name(), fmt_count(r.batch), fmt_count(r.context));
  // The answers first: does it fit, how many sequences, how long a context.
  Table answer;
  answer.title = fmt::format("{} on {} x {} (tp {}, pp {}): {}", a.name, d.num_gpus(), d.gpu->id, d.tp, d.pp,
                             m.fits ? "fits" : "DOES NOT FIT");
  answer.columns = {"question", "answer"};
  answer.left_align = {true, true};
  answer.rows = {
      {fmt::format("fits batch {} x {} tokens?", fmt_count(r.batch), fmt_count(r.context)),
       fmt::format("{}: {:.2f} GiB per GPU of {:.2f} usable ({:.0f}% of {:.2f})", m.fits ? "yes" : "NO", m.total / kGiB,
                   r.usable_bytes / kGiB, d.gpu_mem_util * 100, m.capacity / kGiB)},
      {fmt::format("most sequences at {} tokens", fmt_count(r.context)), fmt_count(r.max_batch)},
      {fmt::format("longest context at batch {}", fmt_count(r.batch)),
       (r.max_context ? fmt_count(*r.max_context) : std::string("unbounded (window layers only)")) +
           (r.max_context_capped ? " (the model's max_position_embeddings; --allow-long-context lifts it)" : "")},
      {"KV capacity", fmt_count(r.kv_capacity_tokens) + " tokens"}};
  t.notes.push_back(fmt::format(
      "KV paged in blocks of {} tokens; window layers hold min(context, window) tokens (what the model needs; "
      "some engines allocate full-length pages for them)",
      d.block_size));
  doc.tables = {answer, t};
  doc.inputs = deployment_json(d);
  doc.inputs["batch"] = jcount(r.batch);
  doc.inputs["context_tokens"] = jcount(r.context);
  doc.inputs["block_size"] = d.block_size;
  doc.chart = to_chart(r);
  return doc;
}

Document to_document(const TrainMemoryReport& r) {
  const TrainSetup& s = r.setup;
  const TrainMemory& m = r.memory;
  const TrainNames& n = r.names;
  Document doc;
  doc.command = "vram train";
  doc.warnings = r.warnings;
  ojson per_gpu = {{"weights_bytes", m.weights},     {"gradients_bytes", m.gradients},
                   {"optimizer_bytes", m.optimizer}, {"activations_bytes", m.activations},
                   {"logits_bytes", m.logits},       {"sharding_buffer_bytes", m.buffers},
                   {"overhead_bytes", m.overhead},   {"other_bytes", m.buffers + m.overhead},
                   {"total_bytes", m.total}};
  if (s.lora_rank > 0) {
    per_gpu["frozen_weights_bytes"] = m.frozen_weights;
    per_gpu["adapter_weights_bytes"] = m.weights - m.frozen_weights;
  }
  doc.result = {{"per_gpu", per_gpu},
                {"model_states_bytes", m.weights + m.gradients + m.optimizer},
                {"gpu_memory_bytes", r.gpu ? jcount(r.gpu->memory_bytes) : ojson(nullptr)},
                {"fits", r.fits ? ojson(*r.fits) : ojson(nullptr)},
                {"headroom_bytes", jopt(r.headroom_bytes)},
                {"max_micro_batch", r.max_micro_batch ? jcount(*r.max_micro_batch) : ojson(nullptr)},
                {"cpu_bytes", m.cpu},
                {"dp", m.dp},
                {"shard_degree", m.shard},
                {"params", jcount(s.params)},
                {"trainable_params", jcount(m.trainable_params)},
                {"bytes_per_param",
                 {{"weights", r.state.weights},
                  {"gradients", r.state.gradients},
                  {"optimizer", r.state.optimizer},
                  {"optimizer_holds", r.state.note}}}};
  doc.records.push_back(doc.result);
  const double cap = r.gpu ? r.gpu->memory_bytes : 0;
  const bool lora = s.lora_rank > 0;
  std::vector<std::pair<std::string, double>> weights = {{"weights", m.weights}};
  if (lora)
    weights = {{s.qlora ? "base weights (frozen, NF4 + double quant)" : "base weights (frozen)", m.frozen_weights},
               {"LoRA adapter weights", m.weights - m.frozen_weights}};
  std::vector<std::pair<std::string, double>> terms = weights;
  for (const auto& term : std::vector<std::pair<std::string, double>>{
           {lora ? "adapter gradients" : "gradients", m.gradients},
           {(lora ? "adapter optimizer states (" : "optimizer states (") + r.state.note + ")", m.optimizer},
           {"activations", m.activations},
           {"logits + loss", m.logits},
           {s.qlora ? "buffers (sharding, NF4 dequantization)" : "sharding buffers", m.buffers},
           {"CUDA context + allocator", m.overhead}})
    terms.push_back(term);
  Table t = breakdown(terms, m.total, cap);
  t.title = fmt::format(
      "Training memory per GPU: {} on {} GPUs{} (tp {}, pp {}, cp {}, dp {}), ZeRO-{} sharded over {}, "
      "micro-batch {}, seq {}, recompute {}, {} + {}",
      n.model_id, s.num_gpus, r.gpu ? " x " + r.gpu->id : "", s.tp, s.pp, s.cp, m.dp, s.zero, m.shard,
      fmt_count(s.micro_batch), fmt_count(s.seq), n.recompute, n.precision, n.optimizer);
  if (r.gpu)
    t.notes.push_back(fmt::format("{}: {:.2f} GiB headroom; largest micro-batch that fits: {}",
                                  *r.fits ? "fits" : "DOES NOT FIT", *r.headroom_bytes / kGiB,
                                  !s.arch             ? std::string("n/a (--params)")
                                  : r.max_micro_batch ? fmt_count(*r.max_micro_batch)
                                                      : std::string("unbounded")));
  if (m.cpu > 0) t.notes.push_back(fmt::format("host memory per GPU for offloaded states: {:.2f} GiB", m.cpu / kGiB));
  t.notes.push_back("activations: Korthikanti et al. 2022 Table 2 generalized to the model's widths; FlashAttention " +
                    std::string(s.flash_attn ? "on (no s^2 scores)" : "off") +
                    "; logits 6 B/element (bf16 + fp32 upcast)");
  t.notes.push_back(fmt::format(
      "overhead {:.2f} GiB (--overhead-gib: CUDA context ~0.5 GiB + allocator fragmentation, an assumption)",
      s.overhead_bytes / kGiB));
  doc.tables = {t};
  doc.inputs = {{"model", n.model_id},
                {"gpu", r.gpu ? ojson(r.gpu->id) : ojson(nullptr)},
                {"num_gpus", s.num_gpus},
                {"tp", s.tp},
                {"pp", s.pp},
                {"cp", s.cp},
                {"ep", s.ep},
                {"zero", s.zero},
                {"fsdp", n.fsdp},
                {"shard_group", s.shard_group},
                {"micro_batch", jcount(s.micro_batch)},
                {"seq", jcount(s.seq)},
                {"recompute", n.recompute},
                {"flash_attn", s.flash_attn},
                {"sequence_parallel", s.sequence_parallel},
                {"optimizer", n.optimizer},
                {"precision", n.precision},
                {"offload", n.offload},
                {"overhead_bytes", s.overhead_bytes}};
  if (lora) {
    doc.inputs["lora_rank"] = jcount(s.lora_rank);
    doc.inputs["lora_targets"] = n.lora_targets;
    doc.inputs["qlora"] = s.qlora;
    t.notes.insert(t.notes.begin(),
                   fmt::format("{}: rank {} on {}, {} trainable parameters ({:.3f}% of {}); base weights {:.3f} "
                               "B/param{}",
                               s.qlora ? "QLoRA" : "LoRA", fmt_count(s.lora_rank), n.lora_targets,
                               fmt_count(m.trainable_params), 100.0 * m.trainable_params / s.params, fmt_si(s.params),
                               s.qlora ? kNf4DoubleQuantBytes : (s.precision == Precision::fp32 ? 4.0 : 2.0),
                               s.qlora ? " on the linears (NF4 4-bit + 8-bit absmax per 64 + fp32 per 256 blocks), "
                                         "16-bit embeddings and LM head"
                                       : ""));
    doc.tables = {t};
  }
  doc.chart = to_chart(r);
  return doc;
}

Document to_document(const DeepSpeedReport& r) {
  const DeepSpeedEstimate& e = r.estimate;
  Document doc;
  doc.command = "vram train";
  doc.result = {{"formula", e.formula},
                {"per_gpu", {{"total_bytes", e.gpu_bytes}}},
                {"cpu_bytes_per_node", e.cpu_bytes},
                {"params", jcount(r.params)},
                {"largest_layer_params", jcount(r.largest_layer_params)}};
  doc.records.push_back(doc.result);
  Table t;
  t.title = fmt::format("DeepSpeed estimator view ({}): {} params, largest layer {}, {} GPUs", e.formula,
                        fmt_si(r.params), fmt_si(r.largest_layer_params), r.num_gpus);
  t.columns = {"quantity", "GB (2^30 B, as DeepSpeed prints)"};
  t.rows = {{"per GPU", fmt_num(e.gpu_bytes / kGiB, 2)}, {"per CPU (node)", fmt_num(e.cpu_bytes / kGiB, 2)}};
  t.notes.push_back(
      "model states only, DeepSpeed's constants (18 B/param incl. fp32 gradients), not mlcalc's breakdown");
  doc.tables = {t};
  doc.inputs = {{"formula", "deepspeed"},
                {"zero", r.zero},
                {"num_gpus", r.num_gpus},
                {"offload", r.offload},
                {"zero_init", r.zero_init}};
  return doc;
}

}  // namespace mlcalc
