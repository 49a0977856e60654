// mlcalc vram train|infer: per-GPU memory and what fits.
#include <cmath>
#include <fmt/format.h>

#include "common.hpp"
#include "deployment.hpp"
#include "training_memory.hpp"

namespace mlcalc {

namespace {

struct TrainOptions {
  std::string model, gpu, fsdp, recompute = "none", optimizer = "adamw", precision = "bf16-mixed", offload = "none";
  double params = 0, num_gpus = 1, tp = 1, pp = 1, cp = 1, ep = 1, zero = 0, shard_group = 0, micro_batch = 1, seq = 2048;
  double overhead_gib = 1.5, gpus_per_node = 8, largest_layer = 0;
  std::string formula = "mlcalc";
  bool flash_attn = true, sp = false, check = false, zero_init = true, old_zero2 = false;
};

struct InferOptions {
  DeploymentOptions dep;
  double batch = 1, context = 0, input = 0, output = 0;
  bool check = false;
};

// One breakdown row with a bar scaled to the largest term.
void breakdown(Table& t, const std::vector<std::pair<std::string, double>>& terms, double total, double capacity) {
  double biggest = 0;
  for (const auto& [k, v] : terms) biggest = std::max(biggest, v);
  t.columns = {"term", "GiB", "share", ""};
  t.left_align = {true, false, false, true};
  for (const auto& [k, v] : terms)
    t.rows.push_back({k, fmt_num(v / kGiB, 2), fmt_num(total > 0 ? 100.0 * v / total : 0, 1) + "%", bar(biggest > 0 ? v / biggest : 0, 30)});
  t.rows.push_back({"total", fmt_num(total / kGiB, 2), "100.0%", ""});
  t.rows.push_back({"GPU memory", fmt_num(capacity / kGiB, 2), "", ""});
}

template <class E>
E pick(const std::string& v, const std::vector<std::pair<const char*, E>>& table, const char* flag) {
  for (const auto& [k, e] : table)
    if (v == k) return e;
  std::vector<std::string> names;
  for (const auto& [k, e] : table) names.push_back(k);
  throw Error(fmt::format("{} '{}' is not one of {}{}", flag, v, fmt::join(names, ", "), did_you_mean(v, names)), ErrorKind::usage);
}

void run_train(Context& ctx, const TrainOptions& o) {
  Database& db = ctx.db();
  TrainSetup s;
  std::string model_id;
  if (!o.model.empty() && o.params > 0) throw Error("give --model or --params, not both", ErrorKind::usage);
  if (o.model.empty() && o.params <= 0) throw Error("give --model NAME or --params N", ErrorKind::usage);
  ParamCounts pc;
  if (!o.model.empty()) {
    const ModelEntry& m = db.model(o.model);
    s.arch = &m.arch;
    model_id = m.id;
    pc = count_params(m.arch);
    s.params = pc.total;
    s.expert_params = pc.routed_experts;
    const Architecture& a = m.arch;
    s.largest_layer_params = std::max({double(a.vocab) * a.hidden, double(a.hidden) * a.dense.intermediate,
                                       double(a.hidden) * a.moe.expert_intermediate});
    if (a.max_context > 0 && o.seq > a.max_context)
      ctx.warn(fmt::format("seq {} is beyond the model's max_position_embeddings {}", fmt_count(o.seq), fmt_count(double(a.max_context))));
  } else {
    s.params = o.params;
    model_id = "generic-" + fmt_si(o.params);
    s.largest_layer_params = 0;
    ctx.warn("--params gives model states only: activations, logits and gather buffers are omitted");
  }
  const Gpu* gpu = o.gpu.empty() ? nullptr : &db.gpu(o.gpu);
  s.num_gpus = static_cast<int>(o.num_gpus);
  s.tp = static_cast<int>(o.tp), s.pp = static_cast<int>(o.pp), s.cp = static_cast<int>(o.cp), s.ep = static_cast<int>(o.ep);
  if (o.num_gpus > 1e7 || o.tp > 4096 || o.pp > 4096 || o.cp > 4096 || o.ep > 4096)
    throw Error("num-gpus at most 1e7; tp, pp, cp, ep at most 4096", ErrorKind::usage);
  s.zero = static_cast<int>(o.zero);
  if (!o.fsdp.empty()) {
    // PyTorch FSDP sharding strategies are ZeRO stages under other names.
    s.zero = pick<int>(o.fsdp, {{"full", 3}, {"hybrid", 3}, {"grad-op", 2}, {"no-shard", 0}}, "--fsdp");
    if (o.fsdp == "hybrid" && o.shard_group <= 0)
      throw Error("--fsdp hybrid needs --shard-group N (GPUs per sharding group, e.g. 8 per node)", ErrorKind::usage);
  }
  s.shard_group = static_cast<int>(o.shard_group);
  s.micro_batch = o.micro_batch;
  s.seq = o.seq;
  s.recompute = pick<Recompute>(o.recompute, {{"none", Recompute::none}, {"selective", Recompute::selective}, {"full", Recompute::full}}, "--recompute");
  s.optimizer = pick<Optimizer>(o.optimizer, {{"adamw", Optimizer::adamw}, {"adam", Optimizer::adam}, {"adam-8bit", Optimizer::adam8bit},
                                              {"sgd", Optimizer::sgd}, {"adafactor", Optimizer::adafactor}}, "--optimizer");
  s.precision = pick<Precision>(o.precision, {{"bf16-mixed", Precision::bf16_mixed}, {"bf16", Precision::bf16},
                                              {"fp8-mixed", Precision::fp8_mixed}, {"fp32", Precision::fp32}}, "--precision");
  s.offload = pick<Offload>(o.offload, {{"none", Offload::none}, {"optimizer", Offload::optimizer}, {"optimizer+params", Offload::optimizer_params}}, "--offload");
  s.flash_attn = o.flash_attn;
  s.sequence_parallel = o.sp;
  s.overhead_bytes = o.overhead_gib * kGiB;
  if (s.sequence_parallel && s.tp == 1) ctx.warn("--sequence-parallel has no effect with tp 1");
  if (o.formula == "deepspeed") {
    // DeepSpeed-compatible view: its estimator's model-state formulas, nothing else.
    if (s.zero != 2 && s.zero != 3) throw Error("--formula deepspeed covers ZeRO 2 and 3 (pass --zero 2 or 3)", ErrorKind::usage);
    check_train_setup(s);
    const int gpn = static_cast<int>(o.gpus_per_node);
    if (s.num_gpus % gpn != 0 && s.num_gpus > gpn) throw Error("--num-gpus must be a multiple of --gpus-per-node");
    const int nodes = std::max(1, s.num_gpus / gpn);
    const double L = o.largest_layer > 0 ? o.largest_layer : s.largest_layer_params;
    const DeepSpeedEstimate e = deepspeed_estimate(s.params, L, std::min(gpn, s.num_gpus), nodes, s.zero, s.offload != Offload::none,
                                                   s.offload == Offload::optimizer_params, o.zero_init, o.old_zero2);
    ojson r = {{"formula", e.formula}, {"per_gpu", {{"total_bytes", e.gpu_bytes}}}, {"cpu_bytes_per_node", e.cpu_bytes},
               {"params", s.params}, {"largest_layer_params", L}};
    Table t;
    t.title = fmt::format("DeepSpeed estimator view ({}): {} params, largest layer {}, {} GPUs", e.formula, fmt_si(s.params), fmt_si(L), s.num_gpus);
    t.columns = {"quantity", "GB (2^30 B, as DeepSpeed prints)"};
    t.rows = {{"per GPU", fmt_num(e.gpu_bytes / kGiB, 2)}, {"per CPU (node)", fmt_num(e.cpu_bytes / kGiB, 2)}};
    t.notes.push_back("model states only, DeepSpeed's constants (18 B/param incl. fp32 gradients), not mlcalc's breakdown");
    emit(ctx, "vram train", {{"formula", "deepspeed"}, {"zero", s.zero}, {"num_gpus", s.num_gpus}, {"offload", o.offload}, {"zero_init", o.zero_init}}, r, {t});
    return;
  }
  const TrainMemory m = training_memory(s);
  if (s.zero > 0 && m.dp == 1) ctx.warn("ZeRO with one data-parallel rank shards nothing: no saving");
  const double cap = gpu ? gpu->memory_bytes : 0;
  const bool fits = gpu ? m.total <= cap : true;
  const double mmb = gpu && s.arch ? max_micro_batch(s, cap) : 0;
  const StateBytes sb = state_bytes(s.precision, s.optimizer);

  ojson per_gpu = {{"weights_bytes", m.weights},     {"gradients_bytes", m.gradients},
                   {"optimizer_bytes", m.optimizer}, {"activations_bytes", m.activations},
                   {"logits_bytes", m.logits},       {"sharding_buffer_bytes", m.buffers},
                   {"overhead_bytes", m.overhead},   {"other_bytes", m.buffers + m.overhead},
                   {"total_bytes", m.total}};
  ojson result = {{"per_gpu", per_gpu},
                  {"model_states_bytes", m.weights + m.gradients + m.optimizer},
                  {"gpu_memory_bytes", gpu ? ojson(cap) : ojson(nullptr)},
                  {"fits", gpu ? ojson(fits) : ojson(nullptr)},
                  {"headroom_bytes", gpu ? ojson(cap - m.total) : ojson(nullptr)},
                  {"max_micro_batch", gpu && s.arch && std::isfinite(mmb) ? ojson(mmb) : ojson(nullptr)},
                  {"cpu_bytes", m.cpu},
                  {"dp", m.dp},
                  {"shard_degree", m.shard},
                  {"params", s.params},
                  {"bytes_per_param", {{"weights", sb.weights}, {"gradients", sb.gradients}, {"optimizer", sb.optimizer}, {"optimizer_holds", sb.note}}}};
  Table t;
  t.title = fmt::format("Training memory per GPU: {} on {} GPUs{} (tp {}, pp {}, cp {}, dp {}), ZeRO-{} sharded over {}, "
                        "micro-batch {}, seq {}, recompute {}, {} + {}",
                        model_id, s.num_gpus, gpu ? " x " + gpu->id : "", s.tp, s.pp, s.cp, m.dp, s.zero, m.shard,
                        fmt_count(s.micro_batch), fmt_count(s.seq), o.recompute, o.precision, o.optimizer);
  breakdown(t,
            {{"weights", m.weights}, {"gradients", m.gradients}, {"optimizer states (" + sb.note + ")", m.optimizer},
             {"activations", m.activations}, {"logits + loss", m.logits}, {"sharding buffers", m.buffers}, {"CUDA context + allocator", m.overhead}},
            m.total, cap);
  if (gpu) {
    t.notes.push_back(fmt::format("{}: {:.2f} GiB headroom; largest micro-batch that fits: {}", fits ? "fits" : "DOES NOT FIT",
                                  (cap - m.total) / kGiB, s.arch ? fmt_count(mmb) : std::string("n/a (--params)")));
  }
  if (m.cpu > 0) t.notes.push_back(fmt::format("host memory per GPU for offloaded states: {:.2f} GiB", m.cpu / kGiB));
  t.notes.push_back("activations: Korthikanti et al. 2022 Table 2 generalized to the model's widths; FlashAttention " +
                    std::string(s.flash_attn ? "on (no s^2 scores)" : "off") + "; logits 6 B/element (bf16 + fp32 upcast)");
  t.notes.push_back(fmt::format("overhead {:.2f} GiB (--overhead-gib: CUDA context ~0.5 GiB + allocator fragmentation, an assumption)", o.overhead_gib));
  ojson inputs = {{"model", model_id}, {"gpu", gpu ? ojson(gpu->id) : ojson(nullptr)}, {"num_gpus", s.num_gpus}, {"tp", s.tp}, {"pp", s.pp},
                  {"cp", s.cp}, {"ep", s.ep}, {"zero", s.zero}, {"fsdp", o.fsdp}, {"shard_group", s.shard_group},
                  {"micro_batch", s.micro_batch}, {"seq", s.seq}, {"recompute", o.recompute}, {"flash_attn", s.flash_attn},
                  {"sequence_parallel", s.sequence_parallel}, {"optimizer", o.optimizer}, {"precision", o.precision},
                  {"offload", o.offload}, {"overhead_bytes", s.overhead_bytes}};
  emit(ctx, "vram train", inputs, result, {t});
  if (o.check && gpu && !fits) ctx.exit_code = 3;
}

void run_infer(Context& ctx, const InferOptions& o) {
  const Deployment d = make_deployment(ctx, o.dep);
  const Architecture& a = *d.arch;
  double context = o.context;
  if (context <= 0) context = (o.input > 0 || o.output > 0) ? o.input + o.output : 4096;
  if (o.context > 0 && (o.input > 0 || o.output > 0)) throw Error("give --context or --input/--output, not both", ErrorKind::usage);
  if (a.max_context > 0 && context > a.max_context)
    ctx.warn(fmt::format("context {} is beyond the model's max_position_embeddings {}", fmt_count(context), fmt_count(double(a.max_context))));
  const InferenceMemory m = inference_memory(d, o.batch, context);
  const double budget = d.gpu->memory_bytes * d.gpu_mem_util;
  const double free_bytes = kv_budget_bytes(d);
  const double max_batch = max_sequences(d, context);
  // Longest context at this batch: KV grows piecewise-linearly (window layers saturate), so bisect.
  double max_context = 0;
  {
    auto fits_ctx = [&](double c) {
      return o.batch * (kv_bytes_per_gpu_per_seq(d, c, true) + state_bytes_per_gpu_per_seq(d)) <= free_bytes;
    };
    if (free_bytes > 0 && fits_ctx(1)) {
      double lo = 1, hi = 1;
      while (hi < 1e12 && fits_ctx(hi)) hi *= 2;
      if (fits_ctx(hi)) lo = hi;  // only window layers: capped at 1e12 tokens
      while (hi - lo > 1) {
        const double mid = std::floor((lo + hi) / 2);
        (fits_ctx(mid) ? lo : hi) = mid;
      }
      max_context = lo;
    }
  }
  const double per_token = kv_bytes_per_gpu_per_seq(d, 1, false);
  const double kv_tokens = free_bytes > 0 && per_token > 0 ? std::floor(free_bytes / per_token) : 0;
  ojson per_gpu = {{"weights_bytes", m.weights}, {"kv_cache_bytes", m.kv}, {"state_bytes", m.state},
                   {"activations_bytes", m.activations}, {"other_bytes", m.other}, {"total_bytes", m.total}};
  ojson result = {{"per_gpu", per_gpu},
                  {"gpu_memory_bytes", m.capacity},
                  {"usable_bytes", budget},
                  {"fits", m.fits},
                  {"max_batch", max_batch},
                  {"max_context", max_context >= 1e12 ? ojson(nullptr) : ojson(max_context)},
                  {"kv_capacity_tokens", kv_tokens},
                  {"kv_bytes_per_token_per_gpu", per_token},
                  {"context_tokens", context},
                  {"batch", o.batch}};
  Table t;
  t.title = fmt::format("Inference memory per GPU: {} on {} x {} (tp {}, pp {}), weights {}, KV {}, batch {} x context {}",
                        a.name, d.num_gpus(), d.gpu->id, d.tp, d.pp, d.weights.name() + (d.experts == d.weights ? "" : "/" + d.experts.name()), d.kv.name(), fmt_count(o.batch), fmt_count(context));
  breakdown(t, {{"weights", m.weights}, {"KV cache", m.kv}, {"recurrent state", m.state}, {"activation workspace", m.activations},
                {"runtime overhead", m.other}},
            m.total, m.capacity);
  t.notes.push_back(fmt::format("{} within {:.0f}% of GPU memory ({:.2f} GiB usable)", m.fits ? "fits" : "DOES NOT FIT",
                                d.gpu_mem_util * 100, budget / kGiB));
  t.notes.push_back(fmt::format("most sequences at {} tokens: {}; longest context at batch {}: {}; KV capacity: {} tokens",
                                fmt_count(context), fmt_count(max_batch), fmt_count(o.batch),
                                max_context >= 1e12 ? std::string("unbounded (window layers only)") : fmt_count(max_context), fmt_count(kv_tokens)));
  t.notes.push_back(fmt::format("KV paged in blocks of {} tokens; window layers hold min(context, window) tokens (what the model needs; "
                                "some engines allocate full-length pages for them)", d.block_size));
  ojson inputs = deployment_json(d, o.dep);
  inputs["batch"] = o.batch;
  inputs["context_tokens"] = context;
  inputs["block_size"] = d.block_size;
  emit(ctx, "vram infer", inputs, result, {t});
  if (o.check && !m.fits) ctx.exit_code = 3;
}

}  // namespace

void add_vram(CLI::App& sub, Context& ctx) {
  sub.require_subcommand(1);
  CLI::App* train = sub.add_subcommand("train", "training memory per GPU (ZeRO 0-3 / FSDP, activations, offload)");
  auto t = std::make_shared<TrainOptions>();
  train->add_option("--model,-m", t->model, "model (database name, HF id, config.json)");
  add_count(*train, "--params", t->params, "generic dense model of N parameters (model states only)");
  train->add_option("--gpu,-g", t->gpu, "GPU, for fits / headroom / max micro-batch");
  add_count(*train, "--num-gpus", t->num_gpus, "GPUs in the job (default 1)");
  add_count(*train, "--tp", t->tp, "tensor parallel (default 1)");
  add_count(*train, "--pp", t->pp, "pipeline parallel (default 1)");
  add_count(*train, "--cp", t->cp, "context parallel (default 1)");
  add_count(*train, "--ep", t->ep, "expert parallel (default 1)");
  train->add_option("--zero", t->zero, "ZeRO stage 0-3 (default 0)")->check(CLI::Range(0, 3));
  train->add_option("--fsdp", t->fsdp, "full | hybrid | grad-op | no-shard (PyTorch names for ZeRO 3 / 3 within --shard-group / 2 / 0)");
  add_count(*train, "--shard-group", t->shard_group, "FSDP hybrid: GPUs per sharding group");
  add_count(*train, "--micro-batch", t->micro_batch, "sequences per GPU per step (default 1)");
  add_count(*train, "--seq", t->seq, "sequence length (default 2048)");
  train->add_option("--recompute", t->recompute, "none | selective | full (default none)");
  train->add_option("--flash-attn", t->flash_attn, "FlashAttention on/off (default true)");
  train->add_flag("--sequence-parallel", t->sp, "Megatron sequence parallelism (splits norms/dropout over tp)");
  train->add_option("--optimizer", t->optimizer, "adamw | adam | adam-8bit | sgd | adafactor (default adamw)");
  train->add_option("--precision", t->precision, "bf16-mixed | bf16 | fp8-mixed | fp32 (default bf16-mixed)");
  train->add_option("--offload", t->offload, "none | optimizer | optimizer+params (default none)");
  add_real(*train, "--overhead-gib", t->overhead_gib, "CUDA context + allocator reserve per GPU (default 1.5)", -1e-9, 1e4);
  train->add_flag("--check", t->check, "exit 3 when it does not fit");
  train->add_option("--formula", t->formula, "mlcalc (default) | deepspeed (DeepSpeed's estimator formulas, ZeRO 2/3)")
      ->check(CLI::IsMember({"mlcalc", "deepspeed"}));
  add_count(*train, "--gpus-per-node", t->gpus_per_node, "deepspeed view: GPUs per node (default 8)");
  add_count(*train, "--largest-layer", t->largest_layer, "deepspeed view: parameters of the largest module");
  train->add_option("--zero-init", t->zero_init, "deepspeed view: zero.Init used (default true)");
  train->add_flag("--deepspeed-old-zero2", t->old_zero2, "deepspeed view: the pre-2024-06 ZeRO-2 formula 4P + 16P/N (what its docs print)");
  train->callback([&ctx, t] { run_train(ctx, *t); });

  CLI::App* infer = sub.add_subcommand("infer", "inference memory per GPU (weights, KV cache, state) and what fits");
  auto i = std::make_shared<InferOptions>();
  add_deployment_options(*infer, i->dep, false);
  add_count(*infer, "--batch", i->batch, "concurrent sequences (default 1)");
  add_count(*infer, "--context", i->context, "tokens per sequence (default 4096, or input + output)");
  add_count(*infer, "--input", i->input, "prompt tokens (context = input + output)");
  add_count(*infer, "--output", i->output, "generated tokens");
  add_count(*infer, "--block-size", i->dep.block_size, "paged-KV block in tokens (default 16)");
  infer->add_flag("--check", i->check, "exit 3 when it does not fit");
  infer->callback([&ctx, i] { run_infer(ctx, *i); });
}

}  // namespace mlcalc
