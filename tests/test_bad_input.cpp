// Bad input, table-driven: every reproducer of the reliability work (crashes, hangs, silent wraps,
// silent nulls, ignored input) and more besides, each with the exit status it must get (1 bad input
// or data, 2 bad usage) and words the one-line error must say (what was wrong, where, what is
// allowed). Config cases write `cfg` to DIR/config.json (BASE expands to a small valid Llama);
// database cases write `file` under a fresh --db directory DB.
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "cli_runner.hpp"
#include "common.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* kBase =
    R"("hidden_size":256,"intermediate_size":512,"num_hidden_layers":4,"num_attention_heads":8,)"
    R"("num_key_value_heads":2,"vocab_size":1000)";

struct Case {
  const char* args;            ///< command line; DIR = the config directory, DB = the database directory
  int status;                  ///< 1 or 2
  const char* words;           ///< must appear in the first line of stderr (lowercase compare)
  const char* cfg = nullptr;   ///< config.json text (BASE expanded)
  const char* file = nullptr;  ///< database file path under DB, then "\n", then its text
};

const fs::path& scratch() {
  static const fs::path d = [] {
    char t[] = "/tmp/mlcalc-bad-input-XXXXXX";
    return fs::path(::mkdtemp(t));
  }();
  return d;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Runs one case in a fresh directory; returns the first stderr line.
mlcalc::test::Run run_case(const Case& c, int i) {
  const fs::path dir = scratch() / ("c" + std::to_string(i)), db = scratch() / ("db" + std::to_string(i));
  if (c.cfg) write(dir / "config.json", replace_all(c.cfg, "BASE", kBase));
  if (c.file) {
    const std::string f = c.file;
    write(db / f.substr(0, f.find('\n')), f.substr(f.find('\n') + 1));
  }
  // Whole words only: the scratch path itself may contain "DB" or "DIR".
  std::string args;
  for (const auto& w : mlcalc::test::split_args(c.args))
    args += (args.empty() ? "" : " ") + (w == "DIR" ? dir.string() : w == "DB" ? db.string() : w == "" ? "''" : w);
  return mlcalc::test::mlcalc(args);
}

const std::string kH100 = [] {
  std::ifstream f(std::string(MLCALC_SOURCE_DIR) + "/hardware-db/gpus/h100-sxm.toml");
  return std::string(std::istreambuf_iterator<char>(f), {});
}();

#define TP "throughput -m llama-3.1-8b -g h100-sxm "
#define VI "vram infer -m llama-3.1-8b -g h100-sxm "
#define VT "vram train -m llama-3.1-8b -g h100-sxm "
#define CO "cost -m llama-3.1-8b -g h100-sxm --gpu-price 2.69 "
#define QN \
  R"("linear_num_key_heads":2,"linear_num_value_heads":4,"linear_key_head_dim":32,"linear_value_head_dim":32,"linear_conv_kernel_dim":4)"
#define GPU(body)                                                                                \
  "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nas_of = \"2025-01-01\"\nmemory_gib = " \
  "80\nmemory_bandwidth_tb_s = 3\nsources = [\"s\"]\n[peak_tflops]\nbf16 = 900\n" body
#define GPU_TOP(top)                                                                                              \
  "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nmemory_gib = 80\nmemory_bandwidth_tb_s = 3\nsources = " \
  "[\"s\"]\n" top "\n[peak_tflops]\nbf16 = 900\n"
#define MODEL(cfg) "models/m.toml\nid = \"m\"\nname = \"M\"\nas_of = \"2025-01-01\"\nsource = \"s\"\n[config]\n" cfg

const Case kCases[] = {
    // ---- the issue's reproducers: crashes --------------------------------------------------
    {"describe DIR", 1, "'full_attention_interval' must be positive",
     R"({"model_type":"qwen3_next",BASE,"full_attention_interval":0,)" QN "}"},
    {"describe DIR", 1, "'attn_layer_period' must be positive", R"({"model_type":"jamba",BASE,"attn_layer_period":0})"},
    {"describe DIR", 1, "'expert_layer_period' must be positive",
     R"({"expert_layer_period":0,"hidden_size":4,"num_attention_heads":2,"num_experts":6,"num_experts_per_tok":2,"num_hidden_layers":3,"vocab_size":6})"},
    // ---- hangs / out of memory / wraps -----------------------------------------------------------
    {"describe DIR", 1, "'num_hidden_layers' must be a whole number from 0 to 100,000, got 1000000000",
     R"({"model_type":"llama",BASE,"num_hidden_layers":1000000000})"},
    {"describe DIR", 1, "'num_hidden_layers' must be a whole number from 0 to 100,000, got 2147483648",
     R"({"model_type":"llama",BASE,"num_hidden_layers":2147483648})"},
    {"describe DIR", 1, "got 4294967300", R"({"model_type":"llama",BASE,"num_hidden_layers":4294967300})"},
    {"describe DIR", 1, "'hidden_size' must be a whole number from 0 to 16,777,216",
     R"({"model_type":"llama",BASE,"hidden_size":1099511627776})"},
    {"describe DIR", 1, "'mamba_expand' must be a whole number from 0 to 64",
     R"({"model_type":"jamba",BASE,"mamba_expand":1099511627776})"},
    {"describe DIR", 1, "'group_size' must be a whole number from 0 to 1,048,576, got 1e+20",
     R"({"model_type":"llama",BASE,"quantization_config":{"quant_method":"awq","bits":4,"group_size":1e20}})"},
    {TP "--tp 3e9", 2, "--tp must be a whole number from 1 to 4,096"},
    {TP "--pp 3e9", 2, "--pp must be a whole number from 1 to 4,096"},
    {TP "--ep 3e9", 2, "--ep must be a whole number from 1 to 4,096"},
    {TP "--dp 3e9", 2, "--dp must be a whole number from 1 to 4,096"},
    {VI "--block-size 3e9", 2, "--block-size is at most 4096"},
    {VT "--num-gpus 8 --fsdp hybrid --shard-group 3e9", 2, "--shard-group: '3e9' is too large (at most 10,000,000)"},
    {VT "--num-gpus 3e9", 2, "--num-gpus: '3e9' is too large (at most 10,000,000)"},
    {VT "--formula deepspeed --zero 3 --gpus-per-node 3e9", 2, "--gpus-per-node: '3e9' is too large"},
    // ---- lies ------------------------------------------------------------------------------------
    {"--db /dev/null list gpus", 1, "'/dev/null' is neither a directory nor a toml file"},
    {"--db /nonexistent-mlcalc-db list gpus", 1, "'/nonexistent-mlcalc-db' does not exist"},
    {CO "--utilization 5e-324", 2, "--utilization: must be > "},
    {TP "--mem-eff 5e-324", 2, "got 5e-324 (subnormal)"},
    {TP "--compute-eff 5e-324", 2, "(subnormal)"},
    {TP "--gpu-mem-util 5e-324", 2, "--gpu-mem-util: must be > 0 and <= 1, got 5e-324 (subnormal)"},
    {"vram infer -m DIR -g h100-sxm", 1, "no layer mixes tokens",
     R"({"model_type":"nemotron_h",BASE,"hybrid_override_pattern":"----","mamba_num_heads":8,"mamba_head_dim":32,"ssm_state_size":16})"},
    {"describe DIR", 1, "not a sequence model",
     R"({"model_type":"nemotron_h",BASE,"hybrid_override_pattern":"-E-E","num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":64,"mamba_num_heads":8,"mamba_head_dim":32,"ssm_state_size":16})"},
    {CO "--requests-per-day 100 --utilization 0.5", 2, "not both"},
    {"--db DB describe x", 1, "'scale_up_domain' must be a whole number from 1 to 1,000,000, got 0.5", nullptr,
     GPU_TOP("as_of = \"2025-01-01\"\nscale_up = \"nvlink4\"\nscale_up_domain = 0.5")},
    {"--db DB describe x", 1, "'as_of' must be a date yyyy-mm-dd", nullptr, GPU_TOP("as_of = \"yesterday\"")},
    {"--db DB describe x", 1, "'as_of' must be a date", nullptr, GPU_TOP("as_of = \"2025-02-30\"")},
    {"--db DB describe x", 1, "'as_of' must be a date", nullptr, GPU_TOP("as_of = 2025")},
    {"--db DB describe x", 1, "'as_of' must be a date", nullptr, GPU_TOP("as_of = \"2025-1-1\"")},
    // ---- unclear ---------------------------------------------------------------------------------
    {"describe DIR", 1, "'quant_method' must be a string, got 5",
     R"({"model_type":"llama",BASE,"quantization_config":{"quant_method":5}})"},
    {"describe DIR", 1, "'bits' must be a non-negative integer",
     R"({"model_type":"llama",BASE,"quantization_config":{"quant_method":"awq","bits":"4"}})"},
    {"describe DIR", 1, "'group_size' must be a non-negative integer",
     R"({"model_type":"llama",BASE,"quantization_config":{"quant_method":"gptq","group_size":[128]}})"},
    {"describe DIR", 1, "'no_rope_layers' must be a non-negative integer",
     R"({"model_type":"llama4_text",BASE,"no_rope_layers":["a","b","c","d"]})"},
    {"describe DIR", 1, "'mlp_only_layers' must be a whole number from 0 to 2,147,483,647, got 0.5",
     R"({"model_type":"qwen2_moe",BASE,"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":64,"mlp_only_layers":[0.5]})"},
    {TP "--batch 0x10", 2, "--batch: '0x10' is not a number"},
    {TP "--tp 0x2", 2, "'0x2' is not a number"},
    {TP "--mem-eff 0x1p-2", 2, "--mem-eff: '0x1p-2' is not a number"},
    // ---- config.json: types, ranges, structure -----------------------------------------------
    {"describe DIR", 1, "invalid json", R"({"model_type":"llama",BASE,)"},
    {"describe DIR", 1, "a config must be a json object", "[1,2,3]"},
    {"describe DIR", 1, "missing required key 'hidden_size'",
     R"({"model_type":"llama","num_hidden_layers":4,"num_attention_heads":8,"vocab_size":10})"},
    {"describe DIR", 1, "'hidden_size' must be positive, got 0", R"({"model_type":"llama",BASE,"hidden_size":0})"},
    {"describe DIR", 1, "'hidden_size' must be a whole number", R"({"model_type":"llama",BASE,"hidden_size":-256})"},
    {"describe DIR", 1, "'hidden_size' must be a whole number", R"({"model_type":"llama",BASE,"hidden_size":256.5})"},
    {"describe DIR", 1, "'hidden_size' must be a non-negative integer, got \"256\"",
     R"({"model_type":"llama",BASE,"hidden_size":"256"})"},
    {"describe DIR", 1, "'hidden_size' must be a non-negative integer, got true",
     R"({"model_type":"llama",BASE,"hidden_size":true})"},
    {"describe DIR", 1, "'vocab_size' must be a whole number from 0 to 1,073,741,824",
     R"({"model_type":"llama",BASE,"vocab_size":1e12})"},
    {"describe DIR", 1, "'num_attention_heads' must be a whole number",
     R"({"model_type":"llama",BASE,"num_attention_heads":1e300})"},
    {"describe DIR", 1, "'num_key_value_heads' must be a whole number from 0 to 2,147,483,647",
     R"({"model_type":"llama",BASE,"num_key_value_heads":34359738368})"},
    {"describe DIR", 1, "num_attention_heads must be a multiple of num_key_value_heads",
     R"({"model_type":"llama",BASE,"num_key_value_heads":3})"},
    {"describe DIR", 1, "not divisible by num_attention_heads", R"({"model_type":"llama",BASE,"hidden_size":250})"},
    {"describe DIR", 1, "'head_dim' must be a whole number", R"({"model_type":"llama",BASE,"head_dim":-1})"},
    {"describe DIR", 1, "'intermediate_size' must be a whole number",
     R"({"model_type":"llama",BASE,"intermediate_size":1e40})"},
    {"describe DIR", 1, "intermediate_size must be positive", R"({"model_type":"llama",BASE,"intermediate_size":0})"},
    {"describe DIR", 1, "'max_position_embeddings' must be a whole number",
     R"({"model_type":"llama",BASE,"max_position_embeddings":-1})"},
    {"describe DIR", 1, "'tie_word_embeddings' must be true or false",
     R"({"model_type":"llama",BASE,"tie_word_embeddings":"yes"})"},
    {"describe DIR", 1, "'model_type' must be a string", R"({"model_type":7,BASE})"},
    {"describe DIR", 1, "'torch_dtype' must be a string", R"({"model_type":"llama",BASE,"torch_dtype":16})"},
    {"describe DIR", 1, "'sliding_window' must be a whole number",
     R"({"model_type":"mistral",BASE,"sliding_window":-4096})"},
    {"describe DIR", 1, "sliding-window layer but sliding_window is not set", R"({"model_type":"gemma2",BASE})"},
    {"describe DIR", 1, "layer_types must be a list of num_hidden_layers (4) strings",
     R"({"model_type":"qwen3",BASE,"layer_types":["full_attention"]})"},
    {"describe DIR", 1, "layer_types[1] is \"moon\"",
     R"({"model_type":"qwen3",BASE,"layer_types":["full_attention","moon","full_attention","full_attention"]})"},
    {"describe DIR", 1, "layer_types[0] is 5", R"({"model_type":"qwen3",BASE,"layer_types":[5,5,5,5]})"},
    {"describe DIR", 1, "hybrid_override_pattern has 2 characters; num_hidden_layers is 4",
     R"({"model_type":"nemotron_h",BASE,"hybrid_override_pattern":"M*","mamba_num_heads":8,"mamba_head_dim":32,"ssm_state_size":16})"},
    {"describe DIR", 1, "hybrid_override_pattern has an unknown layer 'x'",
     R"({"model_type":"nemotron_h",BASE,"hybrid_override_pattern":"M*Mx","mamba_num_heads":8,"mamba_head_dim":32,"ssm_state_size":16})"},
    {"describe DIR", 1, "missing required key 'mamba_num_heads'",
     R"({"model_type":"nemotron_h",BASE,"hybrid_override_pattern":"M*M*","mamba_head_dim":32,"ssm_state_size":16})"},
    {"describe DIR", 1, "'linear_num_key_heads' must be positive",
     R"({"model_type":"qwen3_next",BASE,"linear_num_key_heads":0})"},
    {"describe DIR", 1, "missing required key 'linear_num_key_heads'", R"({"model_type":"qwen3_next",BASE})"},
    {"describe DIR", 1, "'num_local_experts' must be a whole number from 0 to 65,536",
     R"({"model_type":"mixtral",BASE,"num_local_experts":1e9,"num_experts_per_tok":2})"},
    {"describe DIR", 1, "0 < experts_per_token <= num_experts",
     R"({"model_type":"mixtral",BASE,"num_local_experts":4,"num_experts_per_tok":8})"},
    {"describe DIR", 1, "missing required key 'experts_per_token'",
     R"({"model_type":"mixtral",BASE,"num_local_experts":4})"},
    {"describe DIR", 1, "'qk_nope_head_dim' must be positive",
     R"({"model_type":"deepseek_v3",BASE,"kv_lora_rank":512,"qk_nope_head_dim":0,"qk_rope_head_dim":64,"v_head_dim":128})"},
    {"describe DIR", 1, "'kv_lora_rank' must be a whole number",
     R"({"model_type":"deepseek_v3",BASE,"kv_lora_rank":-512})"},
    {"describe DIR", 1, "'num_nextn_predict_layers' must be a whole number from 0 to 1,000",
     R"({"model_type":"deepseek_v3",BASE,"num_nextn_predict_layers":100000})"},
    {"describe DIR", 1, "'bits' must be a whole number from 0 to 64",
     R"({"model_type":"llama",BASE,"quantization_config":{"quant_method":"awq","bits":1e6}})"},
    {"describe DIR", 1, "'quant_algo' must be a string",
     R"({"model_type":"llama",BASE,"quantization_config":{"quant_method":"modelopt","quant_algo":4}})"},
    {"describe DIR", 1, "'n_embd' must be positive",
     R"({"model_type":"gpt2","n_embd":0,"n_layer":2,"n_head":2,"vocab_size":10})"},
    {"describe DIR", 1, "'n_layer' must be a whole number from 0 to 100,000",
     R"({"model_type":"gpt2","n_embd":64,"n_layer":1e7,"n_head":2,"vocab_size":10})"},
    {"describe DIR", 1, "nested deeper than 256 levels",
     R"({"model_type":"llama","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]}})"},
    {"describe DIR", 1, "invalid json", "{\"model_type\":\"llama\",\"hidden_size\":1e999999}"},
    {"describe DIR", 1, "invalid json", ""},
    {"describe DIR", 1, "invalid json", "\xef\xbb\xbf\xff"},
    // ---- command line: counts, reals, words, durations, conflicts --------------------------------
    {"describe llama-3.1-8b --context 0", 2, "--context: must be at least 1"},
    {"describe llama-3.1-8b --context -5", 2, "--context: must be at least 1"},
    {"describe llama-3.1-8b --context 1.5", 2, "--context: must be a whole number"},
    {"describe llama-3.1-8b --context lots", 2, "--context: 'lots' is not a number"},
    {"describe llama-3.1-8b --context nan", 2, "'nan' is not a number"},
    {"describe llama-3.1-8b --context inf", 2, "'inf' is not a number"},
    {"describe llama-3.1-8b --context 1e30", 2, "is too large (at most 1e15)"},
    {"describe llama-3.1-8b --context 128q", 2, "'128q' is not a number"},
    {"describe llama-3.1-8b --batch ''", 2, "--batch: '' is not a number"},
    {"describe llama-3.1-8b --kv-dtype fp7", 2, "--kv-dtype"},
    {"describe llama-3.1-8b --weights bf17", 2, "--weights"},
    {"describe llama-3.1-8b --format yaml", 2, "--format"},
    {"describe llama-3.1-8bb", 1, "did you mean 'llama-3.1-8b'"},
    {"describe no-such-model-at-all", 1, "'no-such-model-at-all' is neither a model, a gpu nor an interconnect"},
    {"describe", 2, "name is required"},
    {"no-such-command", 2, "no-such-command"},
    {TP "--batch 1..0", 2, "--batch: must be at least 1"},
    {TP "--batch 64..1", 2, "--batch: range '64..1' ends below its start"},
    {TP "--batch 1,,8", 2, "--batch: '' is not a number"},
    {TP "--batch 1..1e16", 2, "--batch: '1e16' is too large (at most 1e15)"},
    {TP "--input 0", 2, "--input: must be at least 1"},
    {TP "--output -1", 2, "--output: must be at least 1"},
    {TP "--tp 0", 2, "--tp must be a whole number from 1 to 4,096, got 0"},
    {TP "--tp 1.5", 2, "--tp must be a whole number from 1 to 4,096, got 1.5"},
    {TP "--tp -2", 2, "--tp must be a whole number from 1 to 4,096, got -2"},
    {TP "--tp two", 2, "--tp: 'two' is not a number"},
    {TP "--tp 3", 1, "tp"},
    {TP "--pp 4097", 2, "--pp must be a whole number from 1 to 4,096, got 4097"},
    {TP "--mode fast", 2, "'fast' is not one of roofline, realistic"},
    {TP "--mode rooflin", 2, "did you mean 'roofline'"},
    {TP "--engine vlm", 2, "did you mean 'vllm'"},
    {TP "--allreduce fastest", 2, "--allreduce"},
    {TP "--mem-eff 0", 2, "--mem-eff: must be > "},
    {TP "--mem-eff 1.5", 2, "--mem-eff: must be > 0.009999999999 and <= 1, got 1.5"},
    {TP "--mem-eff nan", 2, "--mem-eff: 'nan' is not a number"},
    {TP "--mem-eff inf", 2, "--mem-eff: 'inf' is not a number"},
    {TP "--compute-eff -0.5", 2, "--compute-eff: must be > "},
    {TP "--gpu-mem-util 0", 2, "--gpu-mem-util: must be > 0 and <= 1, got 0"},
    {TP "--gpu-mem-util 1.01", 2, "--gpu-mem-util: must be > 0 and <= 1, got 1.01"},
    {TP "--overhead-gib -1", 2, "--overhead-gib: must be > "},
    {TP "--overhead-gib 1e300", 2, "--overhead-gib: must be > "},
    {TP "--tpot-slo 50", 2, "--tpot-slo: '50' is not a duration with a unit"},
    {TP "--tpot-slo 50parsecs", 2, "is not a duration with a unit"},
    {TP "--tpot-slo -50ms", 2, "must be a positive duration"},
    {TP "--ttft-slo 1e9s", 2, "must be a positive duration below 1e6 s"},
    {TP "--concurrency many", 2, "--concurrency"},
    {TP "--tpot-slo 50ms", 2, "--tpot-slo applies to serving: add --concurrency auto|n or --request-rate r"},
    {TP "--ttft-slo 2s", 2, "--ttft-slo applies to serving"},
    {TP "--max-batch 8", 2, "--max-batch applies to serving"},
    {TP "--request-rate -1", 2, "--request-rate"},
    {TP "--max-num-batched-tokens 0", 2, "--max-num-batched-tokens: must be at least 1"},
    {TP "--max-batch 0", 2, "--max-batch: must be at least 1"},
    {TP "--weights fp9", 2, "--weights"},
    {TP "--interconnect warp-drive --tp 2", 1, "unknown interconnect 'warp-drive'"},
    {TP "--scale-out nvlink4 --tp 2", 2, "not a network"},
    {"throughput -m llama-3.1-8b -g h100-sxmm", 1, "did you mean 'h100-sxm'"},
    {"throughput -m llama-3.1-8b", 2, "--gpu"},
    {"throughput -g h100-sxm", 2, "--model"},
    {TP "--bogus-flag", 2, "--bogus-flag"},
    {VI "--context 4096 --input 100", 2, "give --context or --input/--output, not both"},
    {VI "--block-size 0", 2, "--block-size: must be at least 1"},
    {VI "--batch 0", 2, "--batch: must be at least 1"},
    {VT "--zero 4", 2, "--zero must be a whole number from 0 to 3, got 4"},
    {VT "--zero -1", 2, "--zero must be a whole number from 0 to 3, got -1"},
    {VT "--zero 1.5", 2, "--zero must be a whole number from 0 to 3, got 1.5"},
    {VT "--cp 0", 2, "--cp must be a whole number from 1 to 4,096, got 0"},
    {VT "--fsdp fulll", 2, "did you mean 'full'"},
    {VT "--fsdp hybrid --num-gpus 16", 2, "--fsdp hybrid needs --shard-group"},
    {VT "--num-gpus 8 --shard-group 16", 2, "--shard-group 16 is larger than --num-gpus 8"},
    {VT "--recompute some", 2, "'some' is not one of none, selective, op, full"},
    {VT "--optimizer adamw8", 2, "--optimizer"},
    {VT "--precision fp4", 2, "--precision"},
    {VT "--offload disk", 2, "--offload"},
    {VT "--seq 0", 2, "--seq: must be at least 1"},
    {VT "--micro-batch 0.5", 2, "--micro-batch: must be at least 1"},
    {VT "--params 7e9", 2, "give --model or --params, not both"},
    {"vram train -g h100-sxm", 2, "give --model name or --params n"},
    {VT "--gpus-per-node 4", 2, "--gpus-per-node belongs to the deepspeed view: add --formula deepspeed"},
    {VT "--largest-layer 1000", 2, "--largest-layer belongs to the deepspeed view"},
    {VT "--zero-init false", 2, "--zero-init belongs to the deepspeed view"},
    {VT "--deepspeed-old-zero2", 2, "--deepspeed-old-zero2 belongs to the deepspeed view"},
    {VT "--formula deepspeed --zero 1", 2, "--formula deepspeed covers zero 2 and 3"},
    {VT "--formula deepspeed --zero 3 --gpus-per-node 0", 2, "--gpus-per-node: must be at least 1"},
    {"vram", 2, "a subcommand is required"},
    {CO "--utilization 0", 2, "--utilization: must be > "},
    {CO "--utilization 2", 2, "--utilization: must be > "},
    {CO "--requests-per-day 0", 2, "--requests-per-day"},
    {"cost -m llama-3.1-8b -g h100-sxm --gpu-price -1", 2, "--gpu-price"},
    // A flag that would be silently ignored is refused instead.
    {"cost -m llama-3.1-8b -g h100-sxm --gpu-price 2 --pricing spot", 2, "--pricing needs --provider"},
    {"cost -m llama-3.1-8b -g h100-sxm --provider runpod --pricing cheap", 2, "on-demand, spot or reserved"},
    {"train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --global-batch 64 --pricing spot", 2, "--pricing needs --provider"},
    {"describe h100-sxm --context 4096", 2, "--context applies to a model; 'h100-sxm' is a gpu"},
    {"describe h100-sxm --batch 8", 2, "--batch applies to a model"},
    {"describe nvlink4 --kv-dtype fp8", 2, "--kv-dtype applies to a model; 'nvlink4' is an interconnect"},
    {"cost -m llama-3.1-8b -g h100-sxm --gpu-price 0", 2, "--gpu-price"},
    {"cost -m llama-3.1-8b -g h100-sxm --gpu-price nan", 2, "--gpu-price"},
    {"cost -m llama-3.1-8b -g h100-sxm --gpu-price 5e-324", 2, "(subnormal)"},
    {CO "--tokens-per-s 5e-324", 2, "(subnormal)"},
    {CO "--fixed-monthly -5", 2, "--fixed-monthly"},
    {"cost -m llama-3.1-405b -g l4 --gpu-price 1", 1, "fit"},
    {"list things", 2, "things not in {gpus,models,interconnects,prices}"},
    {"--format table --json describe llama-3.1-8b --format csv", 2, ""},
    // ---- TOML databases: syntax, types, ranges, dates, nesting, unreadable paths -------------
    {"--db DB list gpus", 1, "x.toml:1:", nullptr, "gpus/x.toml\nid = [1,\n"},
    {"--db DB list gpus", 1, "nested deeper than 256 levels", nullptr,
     "gpus/"
     "x.toml\n[a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a]\n"},
    {"--db DB list gpus", 1, "x.toml", nullptr, "gpus/x.toml\n[[\x1e\x00\x00\x00\x00\x00\x00\x00\x00off]]n"},
    {"--db DB list gpus", 1, "x.toml:1:1", nullptr, "gpus/x.toml\n\xef\xbb\xbb"},
    {"--db DB describe x", 1, "'memory_gib' must be a number", nullptr,
     "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nmemory_gib = \"80\"\nmemory_bandwidth_tb_s = 3\nas_of = "
     "\"2025-01-01\"\nsources = [\"s\"]\n[peak_tflops]\nbf16 = 900\n"},
    {"--db DB describe x", 1, "'memory_gib' is out of range: must be > 0 and <= 100000, got -80", nullptr,
     "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nmemory_gib = -80\nmemory_bandwidth_tb_s = 3\nas_of = "
     "\"2025-01-01\"\nsources = [\"s\"]\n[peak_tflops]\nbf16 = 900\n"},
    {"--db DB describe x", 1, "'memory_gib' is out of range", nullptr,
     "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nmemory_gib = nan\nmemory_bandwidth_tb_s = 3\nas_of = "
     "\"2025-01-01\"\nsources = [\"s\"]\n[peak_tflops]\nbf16 = 900\n"},
    {"--db DB describe x", 1, "'memory_gib' is out of range", nullptr,
     "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nmemory_gib = inf\nmemory_bandwidth_tb_s = 3\nas_of = "
     "\"2025-01-01\"\nsources = [\"s\"]\n[peak_tflops]\nbf16 = 900\n"},
    {"--db DB describe x", 1, "(subnormal)", nullptr,
     "gpus/x.toml\nid = \"x\"\nname = \"X\"\nvendor = \"v\"\nmemory_gib = 5e-324\nmemory_bandwidth_tb_s = 3\nas_of = "
     "\"2025-01-01\"\nsources = [\"s\"]\n[peak_tflops]\nbf16 = 900\n"},
    {"--db DB describe x", 1, "'efficiency.memory_bandwidth' is out of range", nullptr,
     GPU("[efficiency]\nmemory_bandwidth = 1.5\nsource = \"s\"\n")},
    {"--db DB describe x", 1, "missing required key 'as_of'", nullptr, GPU_TOP("")},
    {"--db DB describe x", 1, "unknown key 'colour'", nullptr, GPU_TOP("as_of = \"2025-01-01\"\ncolour = \"red\"")},
    {"--db DB describe x", 1, "'scale_up_domain' must be a whole number from 1 to 1,000,000, got 0", nullptr,
     GPU_TOP("as_of = \"2025-01-01\"\nscale_up_domain = 0")},
    {"--db DB describe x", 1, "'scale_up_domain' must be a whole number from 1 to 1,000,000, got 1e+300", nullptr,
     GPU_TOP("as_of = \"2025-01-01\"\nscale_up_domain = 1e300")},
    {"--db DB describe x", 1, "'scale_up_domain' must be a whole number", nullptr,
     GPU_TOP("as_of = \"2025-01-01\"\nscale_up_domain = \"8\"")},
    {"--db DB list interconnects", 1, "'domain_size' must be a whole number from 1 to 10,000,000, got 2.5", nullptr,
     "interconnects/y.toml\nid = \"y\"\nname = \"Y\"\nkind = \"scale-up\"\nbandwidth_gb_s = 900\ndomain_size = "
     "2.5\nas_of = \"2025-01-01\"\nsources = [\"s\"]\n"},
    {"--db DB list interconnects", 1, "kind 'warp' must be scale-up, scale-out or host", nullptr,
     "interconnects/y.toml\nid = \"y\"\nname = \"Y\"\nkind = \"warp\"\nbandwidth_gb_s = 900\nas_of = "
     "\"2025-01-01\"\nsources = [\"s\"]\n"},
    {"--db DB list interconnects", 1, "'as_of' must be a date", nullptr,
     "interconnects/y.toml\nid = \"y\"\nname = \"Y\"\nkind = \"host\"\nbandwidth_gb_s = 900\nas_of = \"soon\"\nsources "
     "= [\"s\"]\n"},
    {"--db DB describe m", 1, "'hidden_size' must be a whole number from 0 to 16,777,216, got 1099511627776", nullptr,
     MODEL("model_type = \"llama\"\nhidden_size = 1099511627776\nnum_hidden_layers = 2\nnum_attention_heads = "
           "2\nvocab_size = 10\nintermediate_size = 8\n")},
    {"--db DB describe m", 1, "'num_hidden_layers' must be a whole number from 0 to 100,000, got 2.5", nullptr,
     MODEL("model_type = \"llama\"\nhidden_size = 64\nnum_hidden_layers = 2.5\nnum_attention_heads = 2\nvocab_size = "
           "10\nintermediate_size = 8\n")},
    {"--db DB describe m", 1, "'as_of' must be a date", nullptr,
     "models/m.toml\nid = \"m\"\nname = \"M\"\nas_of = \"yesterday\"\nsource = \"s\"\n[config]\nmodel_type = "
     "\"llama\"\nhidden_size = 64\nnum_hidden_layers = 2\nnum_attention_heads = 2\nvocab_size = 10\nintermediate_size "
     "= 8\n"},
    {"--db DB describe m", 1, "id 'n' must equal the file name 'm'", nullptr,
     "models/m.toml\nid = \"n\"\nname = \"M\"\nas_of = \"2025-01-01\"\nsource = \"s\"\n[config]\nmodel_type = "
     "\"llama\"\n"},
    {"--db DB describe m", 1, "'config' must be a table", nullptr,
     "models/m.toml\nid = \"m\"\nname = \"M\"\nas_of = \"2025-01-01\"\nsource = \"s\"\nconfig = 5\n"},
    {"--db DB describe m", 1, "params_tolerance", nullptr,
     "models/m.toml\nid = \"m\"\nname = \"M\"\nas_of = \"2025-01-01\"\nsource = \"s\"\nparams_tolerance = "
     "2\n[config]\nmodel_type = \"llama\"\n"},
    {"--db DB list prices", 1, "'offer[0].usd_per_gpu_hour' is out of range", nullptr,
     "gpu-prices/p.toml\nprovider = \"p\"\nname = \"P\"\n[[offer]]\ngpu = \"h100-sxm\"\nusd_per_gpu_hour = -2\npricing "
     "= \"on-demand\"\nas_of = \"2025-01-01\"\nsource = \"s\"\n"},
    {"--db DB list prices", 1, "'offer[0].as_of' must be a date", nullptr,
     "gpu-prices/p.toml\nprovider = \"p\"\nname = \"P\"\n[[offer]]\ngpu = \"h100-sxm\"\nusd_per_gpu_hour = 2\npricing "
     "= \"on-demand\"\nas_of = \"last week\"\nsource = \"s\"\n"},
    {"--db DB list prices", 1, "'offer' must be an array of tables", nullptr,
     "api-prices/q.toml\nprovider = \"q\"\nname = \"Q\"\noffer = 5\n"},
    {"--db DB list prices", 1, "cannot tell what this file describes", nullptr, "z.toml\nanswer = 42\n"},
    {"card DB", 1, "no config.json in this directory", nullptr, "notes.txt\nnot a checkpoint\n"},
    {"--db DB list gpus", 1, "is larger than 16 mib", nullptr, nullptr},  // filled in below
};

}  // namespace

TEST_CASE("bad input: every case gets its exit status and a one-line error that says what") {
  // The file-size case: a 17 MiB database file (a comment), written here rather than in the table.
  write(scratch() / "db-big" / "gpus" / "x.toml", std::string(17 << 20, '#'));
  int i = 0, n = 0;
  for (const Case& c : kCases) {
    ++i;
    mlcalc::test::Run r;
    if (std::string(c.words) == "is larger than 16 mib")
      r = mlcalc::test::mlcalc("--db " + (scratch() / "db-big").string() + " list gpus");
    else
      r = run_case(c, i);
    const std::string first = r.err.substr(0, r.err.find('\n'));
    INFO("case ", i, ": mlcalc ", std::string(c.args), " (want: ", std::string(c.words),
         ")\n  stderr: ", r.err.substr(0, 400));
    CHECK(r.status == c.status);
    CHECK(first.rfind("mlcalc: error: ", 0) == 0);
    CHECK(mlcalc::lower(first).find(mlcalc::lower(c.words)) != std::string::npos);
    ++n;
  }
  CHECK(n >= 150);  // the reproducers and well over 100 more
  std::error_code ec;
  fs::remove_all(scratch(), ec);
}

TEST_CASE("bad input: nesting far past the guard is refused before any parser recurses") {
  // 200,000-deep JSON value and a 50,000-deep TOML header (the reproducers overflowed the stack).
  const fs::path d = scratch() / "deep";
  write(d / "config.json",
        R"({"model_type":"llama","hidden_size":)" + std::string(200000, '[') + std::string(200000, ']') + "}");
  auto r = mlcalc::test::mlcalc("describe " + d.string());
  CHECK(r.status == 1);
  CHECK(r.err.find("config.json:1: nested deeper than 256 levels") != std::string::npos);
  std::string header = "[a";
  for (int i = 0; i < 50000; ++i) header += ".a";
  write(d / "db" / "gpus" / "x.toml", header + "]\n");
  r = mlcalc::test::mlcalc("--db " + (d / "db").string() + " list gpus");
  CHECK(r.status == 1);
  CHECK(r.err.find("x.toml:1: nested deeper than 256 levels") != std::string::npos);
  std::error_code ec;
  fs::remove_all(d, ec);
}

TEST_CASE("bad input: one id in two --db directories is a warning naming both files") {
  const fs::path a = scratch() / "dup-a" / "gpus" / "h100-sxm.toml", b = scratch() / "dup-b" / "gpus" / "h100-sxm.toml";
  write(a, kH100);
  write(b, kH100);
  const auto r = mlcalc::test::mlcalc("--db " + (scratch() / "dup-a").string() + " --db " +
                                      (scratch() / "dup-b").string() + " describe h100-sxm");
  CHECK(r.status == 0);
  CHECK(r.err.find("'h100-sxm' is defined in both " + a.string() + " and " + b.string() + ": " + b.string() +
                   " is used") != std::string::npos);
  // Overriding a shipped entry with one --db file is what --db is for: no warning.
  const auto one = mlcalc::test::mlcalc("--db " + (scratch() / "dup-a").string() + " describe h100-sxm");
  CHECK(one.err.find("defined in both") == std::string::npos);
  std::error_code ec;
  fs::remove_all(scratch() / "dup-a", ec);
  fs::remove_all(scratch() / "dup-b", ec);
}

TEST_CASE("bad input: an unreadable --db directory is an error, not an empty database") {
  if (::geteuid() == 0) return;  // root reads everything: nothing to test
  const fs::path d = scratch() / "unreadable";
  write(d / "gpus" / "x.toml", "id = 1\n");
  fs::permissions(d / "gpus", fs::perms::none);
  const auto r = mlcalc::test::mlcalc("--db " + d.string() + " list gpus");
  fs::permissions(d / "gpus", fs::perms::owner_all);
  CHECK(r.status == 1);
  CHECK(r.err.find("cannot read database directory") != std::string::npos);
}
