#include "options.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "collectives.hpp"
#include "cost.hpp"
#include "engine.hpp"
#include "common.hpp"

namespace mlcalc::cli {

int age_days(const std::string& iso) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return -1;
  std::tm t{};
  t.tm_year = y - 1900, t.tm_mon = m - 1, t.tm_mday = d, t.tm_hour = 12;
  return static_cast<int>((std::time(nullptr) - timegm(&t)) / 86400);
}

void warn_if_old(Context& ctx, const std::string& what, const std::string& as_of) {
  if (age_days(as_of) > 180) ctx.warn(fmt::format("{} is dated {} (over 180 days old)", what, as_of));
}

GpuPrice resolve_gpu_price(Context& ctx, double gpu_price, const std::string& provider, std::string pricing,
                           const std::string& gpu_id) {
  if (gpu_price > 0 && !provider.empty()) throw Error("give --gpu-price or --provider, not both", ErrorKind::usage);
  // --pricing picks among a provider's offers: without --provider it would be silently ignored.
  if (!pricing.empty() && provider.empty())
    throw Error("--pricing needs --provider (it picks that provider's on-demand, spot or reserved offer)",
                ErrorKind::usage);
  if (pricing.empty()) pricing = "on-demand";
  if (pricing != "on-demand" && pricing != "spot" && pricing != "reserved")
    throw Error("--pricing takes on-demand, spot or reserved; got '" + pricing + "'", ErrorKind::usage);
  if (gpu_price > 0) return {gpu_price, "--gpu-price"};
  if (provider.empty())
    throw Error("give the GPU price: --gpu-price USD_PER_HOUR or --provider NAME (see `mlcalc list prices`)",
                ErrorKind::usage);
  const std::string want = lower(provider);
  const std::vector<GpuOffer> offers = ctx.db().gpu_offers();
  std::vector<std::string> providers;
  for (const auto& off : offers) providers.push_back(off.provider);
  std::sort(providers.begin(), providers.end());
  providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
  if (std::find(providers.begin(), providers.end(), want) == providers.end())
    throw Error("unknown provider '" + provider + "'" + did_you_mean(want, providers) + " (see `mlcalc list prices`)");
  const GpuOffer* best = cheapest_offer(offers, want, gpu_id, pricing);
  if (!best) {
    std::vector<std::string> has;
    for (const auto& off : offers)
      if (off.provider == want) has.push_back(off.gpu + " " + off.pricing);
    throw Error(fmt::format("provider '{}' has no {} offer for {} (it lists: {})", want, pricing, gpu_id,
                            fmt::join(has, ", ")));
  }
  warn_if_old(ctx, "GPU price " + best->provider + " " + best->gpu, best->as_of);
  return {best->usd_per_gpu_hour,
          fmt::format("{} {} {} ({}; {})", best->provider, best->product, best->pricing, best->as_of, best->source)};
}

namespace {
// Decimal text, with a k/m suffix when `suffix`, to a double: strtod would also take hex ("0x10"),
// "inf" and "nan", which are not counts.
double parse_decimal(const std::string& raw, const std::string& flag, bool suffix) {
  std::string s = lower(raw);
  double mult = 1;
  if (suffix && !s.empty() && (s.back() == 'k' || s.back() == 'm')) {
    mult = s.back() == 'k' ? 1024 : 1024 * 1024;  // 128k = 131072 tokens, as context lengths are written
    s.pop_back();
  }
  char* end = nullptr;
  const bool decimal = s.find_first_not_of("0123456789.e+-") == std::string::npos;
  const double v = s.empty() || !decimal ? NAN : std::strtod(s.c_str(), &end) * mult;
  if (s.empty() || !decimal || end != s.c_str() + s.size() || !std::isfinite(v))
    throw CLI::ValidationError(flag, "'" + raw + "' is not a number");
  return v;
}
}  // namespace

double parse_count(const std::string& raw, const std::string& flag) {
  const double v = parse_decimal(raw, flag, true);
  if (v < 1) throw CLI::ValidationError(flag, "must be at least 1, got '" + raw + "'");
  if (v > 1e15) throw CLI::ValidationError(flag, "'" + raw + "' is too large (at most 1e15)");
  if (v != std::floor(v)) throw CLI::ValidationError(flag, "must be a whole number, got '" + raw + "'");
  return v;
}

int64_t parse_int(const std::string& raw, const std::string& flag, int64_t lo, int64_t hi) {
  try {
    return checked_count(parse_decimal(raw, flag, false), lo, hi, flag);
  } catch (const Error& e) {
    throw CLI::ValidationError(e.what());
  }
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p <= s.size()) {
    const size_t q = s.find(',', p);
    out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) break;
    p = q + 1;
  }
  return out;
}

std::vector<double> parse_count_list(const std::string& s, const std::string& flag) {
  std::vector<double> out;
  for (const std::string& item : split_commas(s)) {
    if (const size_t r = item.find(".."); r != std::string::npos) {
      const double a = parse_count(item.substr(0, r), flag), b = parse_count(item.substr(r + 2), flag);
      if (b < a) throw CLI::ValidationError(flag, "range '" + item + "' ends below its start");
      for (double x = a; x <= b; x *= 2) out.push_back(x);
      if (out.back() != b) out.push_back(b);
    } else {
      out.push_back(parse_count(item, flag));
    }
    if (out.size() > 100000) throw CLI::ValidationError(flag, "too many values (at most 100000)");
  }
  return out;
}

double parse_duration_s(const std::string& raw, const std::string& flag) {
  const std::string s = lower(raw);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  std::string unit(end);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double mult = 0;
  if (unit == "s" || unit == "sec")
    mult = 1;
  else if (unit == "ms")
    mult = 1e-3;
  else if (unit == "us")
    mult = 1e-6;
  else if (unit == "min")
    mult = 60;
  if (end == s.c_str() || mult == 0)
    throw CLI::ValidationError(flag, "'" + raw + "' is not a duration with a unit (e.g. 50ms, 2s)");
  if (!std::isfinite(v) || v <= 0 || v * mult > 1e6)
    throw CLI::ValidationError(flag, "'" + raw + "' must be a positive duration below 1e6 s");
  return v * mult;
}

CLI::Option* add_count(CLI::App& app, const std::string& name, double& target, const std::string& desc, double max) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name, max](const std::string& s) {
            target = parse_count(s, name);
            if (target > max)
              throw CLI::ValidationError(name, "'" + s + "' is too large (at most " + count_text(max) + ")");
          },
          desc)
      ->type_name("N");
}

CLI::Option* add_count_list(CLI::App& app, const std::string& name, std::vector<double>& target,
                            const std::string& desc) {
  const std::string flag = name.substr(0, name.find(','));
  return app
      .add_option_function<std::string>(
          name, [&target, flag](const std::string& s) { target = parse_count_list(s, flag); }, desc)
      ->type_name("LIST");
}

CLI::Option* add_duration(CLI::App& app, const std::string& name, double& target_s, const std::string& desc) {
  return app
      .add_option_function<std::string>(
          name, [&target_s, name](const std::string& s) { target_s = parse_duration_s(s, name); }, desc)
      ->type_name("DURATION");
}

CLI::Option* add_real(CLI::App& app, const std::string& name, double& target, const std::string& desc, double lo,
                      double hi) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name, lo, hi](const std::string& s) {
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) ||
                s.find_first_of("xXnN") != std::string::npos)  // no hex, inf or nan
              throw CLI::ValidationError(name, "'" + s + "' is not a number");
            try {
              target = checked_real(v, lo, hi, "");
            } catch (const Error& e) {
              throw CLI::ValidationError(name, std::string(e.what()).substr(1));
            }
          },
          desc)
      ->type_name("X");
}

CLI::Option* add_int(CLI::App& app, const std::string& name, int& target, const std::string& desc, int lo, int hi) {
  const std::string flag = name.substr(0, name.find(','));
  return app
      .add_option_function<std::string>(
          name,
          [&target, flag, lo, hi](const std::string& s) { target = static_cast<int>(parse_int(s, flag, lo, hi)); },
          desc)
      ->type_name("N");
}

CLI::Option* add_dtype(CLI::App& app, const std::string& name, std::optional<DType>& target, const std::string& desc) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& s) {
            try {
              target = parse_dtype(s);
            } catch (const Error& e) {
              throw CLI::ValidationError(name, e.what());
            }
          },
          desc)
      ->type_name("DTYPE");
}

void add_deployment_options(CLI::App& app, DeploymentOptions& o, bool perf) {
  app.add_option("--model,-m", o.model, "model: database name, Hugging Face id, or config.json path")->required();
  app.add_option("--gpu,-g", o.gpu, "GPU (see `mlcalc list gpus`)")->required();
  add_int(app, "--tp", o.tp, "tensor-parallel degree (default 1)", 1, 4096);
  add_int(app, "--pp", o.pp, "pipeline-parallel degree (default 1)", 1, 4096);
  add_int(app, "--ep", o.ep, "expert-parallel degree, MoE only; may span tp x dp (default 1)", 1, 4096);
  add_int(app, "--dp", o.dp, "data-parallel ranks that share the experts when --ep exceeds --tp (default 1)", 1, 4096);
  app.add_flag("--dp-attention", o.dp_attention,
               "attention data-parallel across the TP group (MoE only; MLA KV not replicated)");
  add_dtype(app, "--weights", o.weights, "weight dtype (default: the checkpoint's)");
  add_dtype(app, "--kv-dtype", o.kv_dtype, "KV-cache dtype (default bf16)");
  add_dtype(app, "--state-dtype", o.state_dtype, "recurrent-state dtype (default bf16)");
  app.add_option("--interconnect", o.interconnect,
                 "scale-up link for TP/EP traffic inside a domain (default: the GPU's)");
  app.add_option("--scale-out", o.scale_out,
                 "network across scale-up domains for PP/DP/EP (default: the GPU's scale_out)");
  app.add_option("--allreduce", o.allreduce,
                 "TP all-reduce: custom, one-shot, two-shot, vllm, nccl, ring, tree, nvls (default: the engine's, "
                 "custom for vllm/sglang/trtllm)")
      ->check([](const std::string& v) {
        try {
          parse_allreduce_algo(v);
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      });
  add_real(app, "--gpu-mem-util", o.gpu_mem_util,
           "fraction of GPU memory the engine may use (default: the engine's, vLLM 0.9)", 0, 1);
  app.add_option("--engine", o.engine,
                 "serving engine whose defaults apply: vllm (default), sglang, trtllm, llama.cpp, gpt-fast")
      ->check([](const std::string& v) {
        for (const auto& id : engine_ids())
          if (lower(v) == id || lower(v) == "llamacpp" || lower(v) == "gptfast") return std::string();
        return "'" + v + "' is not one of vllm, sglang, trtllm, llama.cpp, gpt-fast" + did_you_mean(v, engine_ids());
      });
  add_count(app, "--max-num-batched-tokens", o.max_num_batched_tokens,
            "token budget per forward step (default: the engine's, vLLM 8192 on >= 70 GiB GPUs but A100, else 2048)");
  add_real(app, "--overhead-gib", o.overhead_gib,
           "runtime reserve per GPU: CUDA context, NCCL, allocator (default 1 GiB)", -1e-9, 1e4);
  if (perf) {
    add_choice(app, "--mode", o.mode, {{"roofline", Mode::roofline}, {"realistic", Mode::realistic}},
               "roofline (upper bound) or realistic (default)");
    add_real(app, "--mem-eff", o.mem_eff, "override: achieved fraction of peak memory bandwidth, [0.01, 1]",
             0.01 - 1e-12, 1);
    add_real(app, "--compute-eff", o.compute_eff, "override: achieved fraction of the matmul peak, [0.01, 1]",
             0.01 - 1e-12, 1);
  }
}

Deployment make_deployment(Context& ctx, const DeploymentOptions& o) {
  Database& db = ctx.db();
  const ModelEntry& m = db.model(o.model);
  const Gpu& g = db.gpu(o.gpu);
  Deployment d;
  d.arch = &m.arch;
  d.params = count_params(m.arch);
  d.gpu = &g;
  d.tp = o.tp, d.pp = o.pp, d.ep = o.ep, d.dp = o.dp;
  d.dp_attention = o.dp_attention;
  check_parallelism(m.arch, d.plan());
  const EngineProfile e = engine_profile(o.engine.empty() ? kDefaultEngine : o.engine, g);
  d.engine = e.id;
  d.allreduce = parse_allreduce_algo(o.allreduce.empty() ? (e.custom_allreduce ? "custom" : "nccl") : o.allreduce);
  d.weights = o.weights ? *o.weights : m.arch.weight_dtype;
  d.experts = o.weights ? *o.weights : m.arch.expert_dtype;
  // KV dtype default bf16 (vLLM's "auto" = the activation dtype), also for fp8 weights.
  d.kv = o.kv_dtype ? *o.kv_dtype : DType{DType::Kind::bf16};
  d.state = o.state_dtype ? *o.state_dtype : DType{DType::Kind::bf16};
  d.mode = o.mode;
  d.gpu_mem_util = o.gpu_mem_util > 0 ? o.gpu_mem_util : e.gpu_mem_util;
  d.max_batched_tokens = o.max_num_batched_tokens > 0 ? o.max_num_batched_tokens : e.max_batched_tokens;
  d.block_size = static_cast<int>(o.block_size);
  d.runtime_overhead_bytes = o.overhead_gib * kGiB;

  // Compute dtype: the tensor-core type of the weights, else the next one the GPU has.
  // Expert weights dominate MoE compute, so they pick the class when they differ.
  const ComputeClass want = preferred_compute(d.arch->moe.num_experts > 0 ? d.experts : d.weights);
  d.peak = resolve_peak(g, want);
  if (d.peak.fell_back)
    ctx.warn(fmt::format("{} has no {} tensor cores: matmuls run at its {} peak ({:.0f} TFLOP/s)", g.id,
                         compute_class_name(want), compute_class_name(d.peak.used), d.peak.flop_per_s / kTera));
  d.eff = default_efficiency(d.mode, g, d.weights, d.peak.used);
  if (o.mem_eff > 0) d.eff.memory_bw = o.mem_eff, d.eff.memory_source = "--mem-eff";
  if (o.compute_eff > 0) d.eff.matmul = o.compute_eff, d.eff.matmul_source = "--compute-eff";
  if (d.mode == Mode::realistic) d.eff.seq_overhead_s = e.seq_overhead_s;  // engine host cost per sequence per step

  // Scale-out network: --scale-out, else the GPU's default; it must be a network.
  const std::string so = o.scale_out.empty() ? g.scale_out_id : o.scale_out;
  if (!so.empty()) {
    d.scale_out = &db.interconnect(so);
    if (d.scale_out->kind != "scale-out")
      throw Error(fmt::format("--scale-out {}: {} is a {} link, not a network (pick one of kind scale-out: `mlcalc "
                              "list interconnects`)",
                              so, d.scale_out->id, d.scale_out->kind),
                  ErrorKind::usage);
  }

  // Scale-up link: --interconnect, else the GPU's scale-up link, else its host link (PCIe).
  if (d.tp * d.pp > 1 || d.ep > 1) {
    std::string link = o.interconnect;
    if (link.empty()) link = g.scale_up_id;
    if (link.empty()) {
      link = g.host_link_id.empty() ? "pcie4" : g.host_link_id;
      ctx.warn(fmt::format("{} has no scale-up link: TP/PP traffic goes over {}", g.id, link));
    }
    d.scale_up = &db.interconnect(link);
    d.scale_up_domain =
        d.scale_up->kind == "scale-out" ? 1 : (g.scale_up_domain > 0 ? g.scale_up_domain : d.scale_up->domain_size);
    if (!o.interconnect.empty() && d.scale_up->domain_size > 0) d.scale_up_domain = d.scale_up->domain_size;
    if (d.scale_up_domain > 0 && std::max(d.tp, d.ep) > d.scale_up_domain)
      ctx.warn(fmt::format("{} = {} exceeds the {}-GPU scale-up domain: its collectives run over {}",
                           d.tp >= d.ep ? "tp" : "ep", std::max(d.tp, d.ep), d.scale_up_domain,
                           d.scale_out ? d.scale_out->id : d.scale_up->id));
    if (d.scale_up_domain > 0 && d.tp * d.pp > d.scale_up_domain && !d.scale_out)
      ctx.warn(
          fmt::format("tp x pp = {} exceeds the {}-GPU scale-up domain of {} and no scale-out network is known "
                      "(pass --scale-out)",
                      d.tp * d.pp, d.scale_up_domain, g.id));
  }
  return d;
}

void add_workload_options(CLI::App& app, WorkloadOptions& o) {
  add_count(app, "--input", o.input, fmt::format("prompt tokens per request (default {})", o.input));
  add_count(app, "--output", o.output, fmt::format("generated tokens per request (default {})", o.output));
  app.add_option_function<std::string>(
         "--max-batch", [&o](const std::string& v) { o.max_batch = parse_count(v, "--max-batch"); },
         "engine cap on running requests (default: the engine's max_num_seqs)")
      ->type_name("N");
  add_duration(app, "--tpot-slo", o.tpot_slo_s, "TPOT target, e.g. 50ms");
  add_duration(app, "--ttft-slo", o.ttft_slo_s, "TTFT target, e.g. 2s");
}

void add_train_layout_options(CLI::App& train, TrainLayoutOptions& t) {
  add_count(train, "--num-gpus", t.num_gpus, "GPUs in the job (default 1, at most 1e7)", 1e7);
  add_int(train, "--tp", t.tp, "tensor parallel (default 1)", 1, 4096);
  add_int(train, "--pp", t.pp, "pipeline parallel (default 1)", 1, 4096);
  add_int(train, "--cp", t.cp, "context parallel (default 1)", 1, 4096);
  add_int(train, "--ep", t.ep, "expert parallel (default 1)", 1, 4096);
  add_int(train, "--zero", t.zero, "ZeRO stage 0-3 (default 0)", 0, 3);
  train.add_option_function<std::string>(
      "--fsdp",
      [&t](const std::string& v) {
        // PyTorch FSDP sharding strategies are ZeRO stages under other names.
        const std::vector<std::pair<std::string, int>> table = {
            {"full", 3}, {"hybrid", 3}, {"grad-op", 2}, {"no-shard", 0}};
        std::vector<std::string> names;
        for (const auto& [k, z] : table) {
          if (k == v) t.fsdp_zero = z, t.names.fsdp = v;
          names.push_back(k);
        }
        if (!t.fsdp_zero)
          throw CLI::ValidationError(
              "--fsdp", "'" + v + "' is not one of full, hybrid, grad-op, no-shard" + did_you_mean(v, names));
      },
      "full | hybrid | grad-op | no-shard (PyTorch names for ZeRO 3 / 3 within --shard-group / 2 / 0)");
  add_count(train, "--shard-group", t.shard_group, "FSDP hybrid: GPUs per sharding group", 1e7);
  add_count(train, "--micro-batch", t.micro_batch, "sequences per GPU per step (default 1)");
  add_count(train, "--seq", t.seq, "sequence length (default 2048)");
  // Enums: the typed value, and the name the report echoes.
  add_choice(train, "--recompute", t.recompute,
             {{"none", Recompute::none},
              {"selective", Recompute::selective},
              {"op", Recompute::op},
              {"full", Recompute::full}},
             "none | selective (attention core) | op (per-op, torchtitan) | full (default none)")
      ->each([&t](const std::string& v) { t.names.recompute = v; });
  add_choice(train, "--optimizer", t.optimizer,
             {{"adamw", Optimizer::adamw},
              {"adam", Optimizer::adam},
              {"adam-8bit", Optimizer::adam8bit},
              {"sgd", Optimizer::sgd},
              {"adafactor", Optimizer::adafactor}},
             "adamw | adam | adam-8bit | sgd | adafactor (default adamw)")
      ->each([&t](const std::string& v) { t.names.optimizer = v; });
  add_choice(train, "--precision", t.precision,
             {{"bf16-mixed", Precision::bf16_mixed},
              {"bf16", Precision::bf16},
              {"fp8-mixed", Precision::fp8_mixed},
              {"fp32", Precision::fp32}},
             "bf16-mixed | bf16 | fp8-mixed | fp32 (default bf16-mixed)")
      ->each([&t](const std::string& v) { t.names.precision = v; });
  add_choice(
      train, "--offload", t.offload,
      {{"none", Offload::none}, {"optimizer", Offload::optimizer}, {"optimizer+params", Offload::optimizer_params}},
      "none | optimizer | optimizer+params (default none)")
      ->each([&t](const std::string& v) { t.names.offload = v; });
  train.add_option("--flash-attn", t.flash_attn, "FlashAttention on/off (default true)");
  train.add_flag("--sequence-parallel", t.sp, "Megatron sequence parallelism (splits norms/dropout over tp)");
  add_real(train, "--overhead-gib", t.overhead_gib, "CUDA context + allocator reserve per GPU (default 1.5)", -1e-9,
           1e4);
}

void check_train_layout(const TrainLayoutOptions& t) {
  if (t.names.fsdp == "hybrid" && t.shard_group <= 0)
    throw Error("--fsdp hybrid needs --shard-group N (GPUs per sharding group, e.g. 8 per node)", ErrorKind::usage);
  if (t.num_gpus > 1e7) throw Error("--num-gpus is at most 1e7", ErrorKind::usage);
}

void apply_train_layout(const TrainLayoutOptions& t, TrainSetup& s) {
  s.num_gpus = static_cast<int>(t.num_gpus);
  s.tp = t.tp, s.pp = t.pp, s.cp = t.cp, s.ep = t.ep;
  s.zero = t.fsdp_zero ? *t.fsdp_zero : t.zero;
  s.shard_group = static_cast<int>(t.shard_group);
  s.micro_batch = t.micro_batch;
  s.seq = t.seq;
  s.recompute = t.recompute;
  s.optimizer = t.optimizer;
  s.precision = t.precision;
  s.offload = t.offload;
  s.flash_attn = t.flash_attn;
  s.sequence_parallel = t.sp;
  s.overhead_bytes = t.overhead_gib * kGiB;
}

}  // namespace mlcalc::cli
