// mlcalc vram train|infer: per-GPU memory and what fits.
#include <fmt/format.h>

#include "options.hpp"
#include "vram.hpp"

namespace mlcalc::cli {

namespace {

struct TrainOptions {
  std::string model, gpu;
  double params = 0, gpus_per_node = 0, largest_layer = 0;  ///< gpus_per_node 0 = 8
  TrainLayoutOptions layout;
  bool deepspeed = false, check = false, zero_init = true, old_zero2 = false;
  double lora_rank = 0;
  unsigned lora_targets = kLoraAllLinear;
  std::string lora_targets_text = "all-linear";
  bool qlora = false;
  std::vector<std::string> deepspeed_only;  ///< deepspeed-view flags given (refused without --formula deepspeed)
};

// --lora-targets q,k,v,o,gate,up,down | all-linear
unsigned parse_lora_targets(const std::string& v) {
  if (v == "all-linear") return kLoraAllLinear;
  const std::vector<std::pair<std::string, unsigned>> table = {{"q", kLoraQ},      {"k", kLoraK},       {"v", kLoraV},
                                                               {"o", kLoraO},      {"gate", kLoraGate}, {"up", kLoraUp},
                                                               {"down", kLoraDown}};
  std::vector<std::string> names{"all-linear"};
  for (const auto& [k, b] : table) names.push_back(k);
  unsigned bits = 0;
  for (const std::string& item : split_commas(v)) {
    unsigned bit = 0;
    for (const auto& [k, b] : table)
      if (item == k) bit = b;
    if (!bit)
      throw CLI::ValidationError(
          "--lora-targets",
          "'" + item + "' is not one of q, k, v, o, gate, up, down, all-linear" + did_you_mean(item, names));
    bits |= bit;
  }
  return bits;
}

struct InferOptions {
  DeploymentOptions dep;
  double batch = 1, context = 0, input = 0, output = 0;
  bool check = false, allow_long_context = false;
};

void run_train(Context& ctx, const TrainOptions& o) {
  if (!o.model.empty() && o.params > 0) throw Error("give --model or --params, not both", ErrorKind::usage);
  if (o.model.empty() && o.params <= 0) throw Error("give --model NAME or --params N", ErrorKind::usage);
  check_train_layout(o.layout);
  if (!o.deepspeed && !o.deepspeed_only.empty())
    throw Error(o.deepspeed_only.front() + " belongs to the DeepSpeed view: add --formula deepspeed", ErrorKind::usage);
  if (o.layout.shard_group > o.layout.num_gpus)
    throw Error("--shard-group " + count_text(o.layout.shard_group) + " is larger than --num-gpus " +
                    count_text(o.layout.num_gpus),
                ErrorKind::usage);
  Database& db = ctx.db();
  TrainSetup s;
  TrainNames names = o.layout.names;
  if (!o.model.empty()) {
    const ModelEntry& m = db.model(o.model);
    set_architecture(s, m.arch);
    names.model_id = m.id;
  } else {
    s.params = o.params;
    names.model_id = "generic-" + fmt_si(o.params);
  }
  const Gpu* gpu = o.gpu.empty() ? nullptr : &db.gpu(o.gpu);
  apply_train_layout(o.layout, s);
  s.qlora = o.qlora;
  // QLoRA's own recipe: r = 64 on every linear layer (Dettmers et al. 2023, sec. 4 / appendix B.2).
  s.lora_rank = o.lora_rank > 0 ? o.lora_rank : (o.qlora ? 64 : 0);
  s.lora_targets = o.lora_targets;
  names.lora_targets = o.lora_targets_text;
  if (o.deepspeed && s.lora_rank > 0)
    throw Error("--formula deepspeed covers full fine-tuning only (drop --lora-rank / --qlora)", ErrorKind::usage);
  if (o.lora_targets_text != "all-linear" && s.lora_rank <= 0)
    throw Error("--lora-targets needs --lora-rank R (or --qlora)", ErrorKind::usage);
  if (o.deepspeed) {
    // DeepSpeed-compatible view: its estimator's model-state formulas, nothing else.
    if (s.zero != 2 && s.zero != 3)
      throw Error("--formula deepspeed covers ZeRO 2 and 3 (pass --zero 2 or 3)", ErrorKind::usage);
    check_train_setup(s);
    const int gpn = o.gpus_per_node > 0 ? static_cast<int>(o.gpus_per_node) : 8;
    if (s.num_gpus % gpn != 0 && s.num_gpus > gpn) throw Error("--num-gpus must be a multiple of --gpus-per-node");
    DeepSpeedReport r;
    r.params = s.params;
    r.largest_layer_params = o.largest_layer > 0 ? o.largest_layer : s.largest_layer_params;
    r.num_gpus = s.num_gpus;
    r.zero = s.zero;
    r.offload = names.offload;
    r.zero_init = o.zero_init;
    r.estimate = deepspeed_estimate(s.params, r.largest_layer_params, std::min(gpn, s.num_gpus),
                                    std::max(1, s.num_gpus / gpn), s.zero, s.offload != Offload::none,
                                    s.offload == Offload::optimizer_params, o.zero_init, o.old_zero2);
    ctx.emit(to_document(r));
    return;
  }
  const TrainMemoryReport r = evaluate_train_memory(s, names, gpu);
  ctx.emit(to_document(r));
  if (o.check && r.fits && !*r.fits) ctx.exit_code = 3;
}

void run_infer(Context& ctx, const InferOptions& o) {
  if (o.dep.block_size > 4096)
    throw Error("--block-size is at most 4096 tokens (engines use 16-256)", ErrorKind::usage);
  if (o.context > 0 && (o.input > 0 || o.output > 0))
    throw Error("give --context or --input/--output, not both", ErrorKind::usage);
  const Deployment d = make_deployment(ctx, o.dep);
  double context = o.context;
  if (context <= 0) context = (o.input > 0 || o.output > 0) ? o.input + o.output : kDefaultInput + kDefaultOutput;
  const InferMemoryReport r = evaluate_infer_memory(d, o.batch, context, o.allow_long_context);
  ctx.emit(to_document(r));
  if (o.check && !r.memory.fits) ctx.exit_code = 3;
}

void add_train_options(CLI::App& train, TrainOptions& t) {
  train.add_option("--model,-m", t.model, "model (database name, HF id, config.json)");
  add_count(train, "--params", t.params, "generic dense model of N parameters (model states only)");
  train.add_option("--gpu,-g", t.gpu, "GPU, for fits / headroom / max micro-batch");
  add_train_layout_options(train, t.layout);
  train.add_flag("--check", t.check, "exit 3 when it does not fit");
  add_choice(train, "--formula", t.deepspeed, {{"mlcalc", false}, {"deepspeed", true}},
             "mlcalc (default) | deepspeed (DeepSpeed's estimator formulas, ZeRO 2/3)");
  auto given = [&t](const std::string& flag) {
    return [&t, flag](const std::string&) { t.deepspeed_only.push_back(flag); };
  };
  add_count(train, "--gpus-per-node", t.gpus_per_node, "deepspeed view: GPUs per node (default 8)", 1e7)
      ->each(given("--gpus-per-node"));
  add_count(train, "--largest-layer", t.largest_layer, "deepspeed view: parameters of the largest module")
      ->each(given("--largest-layer"));
  train.add_option("--zero-init", t.zero_init, "deepspeed view: zero.Init used (default true)")
      ->each(given("--zero-init"));
  train
      .add_flag("--deepspeed-old-zero2", t.old_zero2,
                "deepspeed view: the pre-2024-06 ZeRO-2 formula 4P + 16P/N (what its docs print)")
      ->each(given("--deepspeed-old-zero2"));
  train
      .add_option_function<std::string>(
          "--lora-rank",
          [&t](const std::string& v) {
            t.lora_rank = parse_count(v, "--lora-rank");
            if (t.lora_rank > 65536) throw CLI::ValidationError("--lora-rank", "is at most 65536, got '" + v + "'");
          },
          "LoRA: train rank-R adapters on a frozen base model (default: full fine-tuning; 64 with --qlora)")
      ->type_name("R");
  train
      .add_option_function<std::string>(
          "--lora-targets",
          [&t](const std::string& v) {
            t.lora_targets = parse_lora_targets(v);
            t.lora_targets_text = v;
          },
          "layers that get adapters: q,k,v,o,gate,up,down or all-linear (default all-linear)")
      ->type_name("LIST");
  train.add_flag("--qlora", t.qlora,
                 "QLoRA: base linears in 4-bit NF4 with double quantization (bitsandbytes), LoRA adapters on top");
}

}  // namespace

Command vram_command() {
  auto t = std::make_shared<TrainOptions>();
  auto i = std::make_shared<InferOptions>();
  auto train_app = std::make_shared<CLI::App*>(nullptr);
  return {"vram", "per-GPU memory for training (ZeRO/FSDP) or inference, and what fits",
          [t, i, train_app](CLI::App& sub) {
            sub.require_subcommand(1);
            *train_app = sub.add_subcommand("train", "training memory per GPU (ZeRO 0-3 / FSDP, activations, offload)");
            add_train_options(**train_app, *t);
            CLI::App* infer =
                sub.add_subcommand("infer", "inference memory per GPU (weights, KV cache, state) and what fits");
            add_deployment_options(*infer, i->dep, false);
            add_count(*infer, "--batch", i->batch, "concurrent sequences (default 1)");
            add_count(*infer, "--context", i->context, "tokens per sequence (default input + output = 1024 + 256)");
            add_count(*infer, "--input", i->input, "prompt tokens (context = input + output)");
            add_count(*infer, "--output", i->output, "generated tokens");
            add_count(*infer, "--block-size", i->dep.block_size, "paged-KV block in tokens (default 16)");
            infer->add_flag("--allow-long-context", i->allow_long_context,
                            "let the longest context exceed the model's max_position_embeddings");
            infer->add_flag("--check", i->check, "exit 3 when it does not fit");
          },
          [t, i, train_app](Context& ctx) {
            if ((*train_app)->parsed())
              run_train(ctx, *t);
            else
              run_infer(ctx, *i);
          }};
}

}  // namespace mlcalc::cli
