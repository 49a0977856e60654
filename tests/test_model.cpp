// Model architectures from the shipped model-db: parameter counts, KV cache, recurrent state,
// FLOPs. Every expected value is copied here with its source (case ID in
// reference-case ID with its primary source (paper/README at commit), docs/model.md "Section", or the model's
// stated_source) and the hand arithmetic; nothing outside tests/ is read at run time.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "common.hpp"
#include "hardware.hpp"
#include "io/db.hpp"
#include "io/hf_config.hpp"
#include "model.hpp"

using namespace mlcalc;

namespace {

Database& db() {
  static Database d;
  return d;
}

const Architecture& arch(const std::string& id) {
  return db().model(id).arch;
}

const DType kBf16{DType::Kind::bf16};
const DType kFp8{DType::Kind::fp8};

// Bytes per token of a sequence of `ctx` tokens (every layer holds all of them when ctx is
// below every window).
double kv_per_token(const std::string& id, double ctx, const DType& d = kBf16) {
  return kv_bytes_per_sequence(arch(id), ctx, d) / ctx;
}

}  // namespace

// ---- parameter counts of dense models ------------------------------------------------------

TEST_CASE("params: llama-3.1-8b is exactly 8,030,261,248") {
  // Check value Llama-3.1-8B 8,030,261,248 (docs/model.md "Parameters"; arithmetic below).
  // Hand: emb 128256*4096 = 525,336,576; lm_head the same (untied); per layer attention
  // 4096*4096*2 + 2*4096*1024 = 41,943,040, MLP 3*4096*14336 = 176,160,768, 2 norms 8,192
  // -> 218,112,000 * 32 = 6,979,584,000; + 2*525,336,576 + final norm 4,096 = 8,030,261,248.
  const ParamCounts p = count_params(arch("llama-3.1-8b"));
  CHECK(p.total == 8030261248.0);
  CHECK(p.active == 8030261248.0);
  CHECK(p.embedding == 525336576.0);
  CHECK(p.lm_head == 525336576.0);
  CHECK(p.routed_experts == 0.0);
}

TEST_CASE("params: llama-2-7b is exactly 6,738,415,616") {
  // Check value Llama-2-7B 6,738,415,616 (docs/model.md "Parameters"; arithmetic below).
  const ParamCounts p = count_params(arch("llama-2-7b"));
  CHECK(p.total == 6738415616.0);
  CHECK(p.active == 6738415616.0);
}

TEST_CASE("params: llama-2-13b is exactly 13,015,864,320") {
  // Hand: emb 32000*5120 = 163,840,000, LM head the same (untied); per layer attention
  // 4*5120^2 = 104,857,600, MLP 3*5120*13824 = 212,336,640, 2 RMSNorms 10,240 -> 317,204,480
  // * 40 = 12,688,179,200; + 2*163,840,000 + final norm 5,120 = 13,015,864,320 (card: 13B).
  const ParamCounts p = count_params(arch("llama-2-13b"));
  CHECK(p.total == 13015864320.0);
  CHECK(p.active == 13015864320.0);
}

TEST_CASE("params: gpt-j-6b parallel block, one LayerNorm per layer, LM head with bias") {
  // transformers modeling_gptj.py: per layer q/k/v/out_proj 4*4096^2 = 67,108,864 (no bias);
  // fc_in/fc_out 2*4096*16384 + 16384 + 4096 = 134,238,208; ONE ln_1 (weight+bias) 8,192
  // -> 201,355,264 * 28 = 5,637,947,392. wte 50400*4096 = 206,438,400; lm_head 206,438,400
  // + bias 50,400 = 206,488,800; ln_f 8,192. Total 6,050,882,784.
  const ParamCounts p = count_params(arch("gpt-j-6b"));
  CHECK(p.total == 6050882784.0);
  CHECK(p.lm_head == 206488800.0);
  CHECK(p.embedding == 206438400.0);
  // The model card states n_parameters 6,053,381,344: 0.04% apart.
  CHECK(std::abs(p.total - 6053381344.0) / 6053381344.0 < 0.001);
}

TEST_CASE("params: falcon-180b new_decoder_architecture is exactly 178,557,088,768") {
  // transformers modeling_falcon.py: query_key_value 14848*(232 + 2*8)*64 = 235,667,456;
  // dense 14848^2 = 220,463,104; MLP 2*14848*59392 = 1,763,704,832 (no biases); ln_attn +
  // ln_mlp 4*14848 = 59,392 -> 2,219,894,784 * 80 = 177,591,582,720; tied embedding
  // 65024*14848 = 965,476,352; ln_f 29,696. Total 178,557,088,768 (card: 180B, 0.8% above).
  const Architecture& a = arch("falcon-180b");
  CHECK(a.attn.num_kv_heads == 8);
  CHECK(a.attn.head_dim == 64);
  CHECK(a.tied_embeddings);
  const ParamCounts p = count_params(a);
  CHECK(p.total == 178557088768.0);
  CHECK(p.lm_head == 0.0);
}

TEST_CASE("params: falcon-7b (multi_query, one shared LayerNorm) is exactly 6,921,720,704") {
  // tiiuae/falcon-7b config.json (model_type falcon, new_decoder_architecture false,
  // multi_query true, parallel_attn true, bias false). FalconForCausalLM module printout
  // (kimborgen/falcon-llm README.md): query_key_value 4544 -> 4672 = (71 + 2)*64, dense
  // 4544 -> 4544, dense_h_to_4h 4544 -> 18176, ONE input_layernorm, tied lm_head.
  // Per layer 4544*4672 + 4544^2 + 2*4544*18176 + 2*4544 = 21,229,568 + 20,647,936
  // + 165,183,488 + 9,088 = 207,070,080; * 32 = 6,626,242,560; + embedding 65024*4544 =
  // 295,469,056 + ln_f 9,088 = 6,921,720,704.
  const nlohmann::json cfg = {{"alibi", false},
                              {"bias", false},
                              {"hidden_size", 4544},
                              {"model_type", "falcon"},
                              {"multi_query", true},
                              {"new_decoder_architecture", false},
                              {"num_attention_heads", 71},
                              {"num_hidden_layers", 32},
                              {"parallel_attn", true},
                              {"vocab_size", 65024}};
  std::vector<std::string> warnings;
  const Architecture a = architecture_from_hf(cfg, "falcon-7b", warnings);
  CHECK(warnings.empty());
  CHECK(a.attn.num_kv_heads == 1);
  CHECK(a.shared_block_norm);
  CHECK(count_params(a).total == 6921720704.0);
  // 32 layers x 2 x 1 kv head x 64 x 2 B = 8,192 B/token.
  CHECK(kv_bytes_per_sequence(a, 1000, kBf16) / 1000 == doctest::Approx(8192.0).epsilon(1e-12));
}

TEST_CASE("params: gpt-13b (llm-analysis test-13b as GPT-2) is exactly 12,853,463,040") {
  // Per layer: attention 4*5120^2 + 4*5120 (biases) = 104,878,080; MLP 2*5120*20480 + 20480
  // + 5120 = 209,740,800; 2 LayerNorms 20,480 -> 314,639,360 * 40 = 12,585,574,400; wte
  // 50272*5120 = 257,392,640; wpe 2048*5120 = 10,485,760; ln_f 10,240 -> 12,853,463,040.
  const ParamCounts p = count_params(arch("gpt-13b"));
  CHECK(p.total == 12853463040.0);
  CHECK(p.embedding == 257392640.0 + 10485760.0);
}

TEST_CASE("params: gemma-3-27b text tower counts the q/k norms (27,009,346,304)") {
  // Gemma3Attention has q_norm and k_norm (Gemma3RMSNorm of head_dim 128): 256 per layer,
  // 62*256 = 15,872 in all. Per layer: q 5376*4096 + k,v 2*5376*2048 + o 4096*5376 =
  // 66,060,288 + 256 = 66,060,544; MLP 3*5376*21504 = 346,816,512; 4 norms 21,504 ->
  // 412,898,560 * 62 = 25,599,710,720; tied embedding 262208*5376 = 1,409,630,208; final norm
  // 5,376. Total 27,009,346,304 (without the q/k norms it would be 27,009,330,432).
  const Architecture& a = arch("gemma-3-27b");
  CHECK(a.attn.qk_norm);
  CHECK(count_params(a).total == 27009346304.0);
  // Gemma 2 has no q/k norms.
  CHECK_FALSE(arch("gemma-2-27b").attn.qk_norm);
}

TEST_CASE("moe: deepseek-v2 235.74B total, 21.38B active; layer 0 dense") {
  // DeepSeek-V2 paper sec. 2.1 shapes. MLA per layer: q 5120*1536 + 1536 (norm) + 1536*128*192
  // = 45,614,592; kv 5120*576 + 512 (norm) + 512*128*256 = 19,726,848; o 128*128*5120 =
  // 83,886,080 -> 149,227,520. One expert 3*5120*1536 = 23,592,960.
  // Layer 0 (dense): 149,227,520 + 2 norms 10,240 + 3*5120*12288 = 337,981,440.
  // MoE layer: 149,237,760 + router 5120*160 = 819,200 + (2 shared + 160 routed) experts
  // = 3,972,116,480 total; active (2 shared + top-6) = 338,800,640.
  // Embedding and untied head 102400*5120 = 524,288,000 each; final norm 5,120.
  // Total = 337,981,440 + 59*3,972,116,480 + 2*524,288,000 + 5,120 = 235,741,434,880 (236B);
  // active = 337,981,440 + 59*338,800,640 + 1,048,576,000 + 5,120 = 21,375,800,320 (21B).
  const Architecture& a = arch("deepseek-v2");
  const ParamCounts p = count_params(a);
  CHECK(p.num_moe_layers == 59);
  CHECK(p.one_expert_per_layer == 23592960.0);
  CHECK(p.routed_experts == 59.0 * 160 * 23592960.0);
  CHECK(p.total == doctest::Approx(235741434880.0).epsilon(1e-12));
  CHECK(p.active == doctest::Approx(21375800320.0).epsilon(1e-12));
}

// ---- KV bytes per token ---------------------------------------------------------------------

TEST_CASE("kv: llama-3.1-8b 131,072 B/token in bf16, 65,536 in fp8") {
  // M-82 (stas00/ml-engineering inference/README.md @744d01e, KV cache section): 2*2*32*4096*8/32 = 131,072 B ("0.131
  // MB/token"). = 2 (K,V) * 8 kv heads * 128 head_dim * 32 layers * 2 B.
  CHECK(kv_per_token("llama-3.1-8b", 4096) == doctest::Approx(131072.0).epsilon(1e-9));
  // fp8 (1 B): half, 65,536.
  CHECK(kv_per_token("llama-3.1-8b", 4096, kFp8) == doctest::Approx(65536.0).epsilon(1e-9));
  // M-82: bs=128 x 1024 tokens ~= 17.2 GB (decimal): 131072*1024*128 = 17,179,869,184 B.
  CHECK(kv_bytes_per_sequence(arch("llama-3.1-8b"), 1024, kBf16) * 128 == doctest::Approx(17179869184.0).epsilon(1e-9));
}

TEST_CASE("kv: llama-2-7b (MHA) 524,288 B/token") {
  // Llama-2-7B: 32 layers, 32 kv heads (MHA), head_dim 128: 2*32*128*32*2 = 524,288 B.
  // Cross-check: LongAlpaca-7B (a Llama-2-7B) 512 kB = 524,288 B (<name the page that states it>, or drop this line:
  // the arithmetic above already checks it).
  CHECK(kv_per_token("llama-2-7b", 4096) == doctest::Approx(524288.0).epsilon(1e-9));
}

TEST_CASE("kv: qwen2.5-72b 327,680 B/token (M-84)") {
  // M-84 (Zhao et al., Insights into DeepSeek-V3, ISCA'25, arXiv:2505.09343 Table 1): 2 x 8 kv heads x 128 x 80 layers
  // x 2 B = 327,680 B.
  CHECK(kv_per_token("qwen2.5-72b", 4096) == doctest::Approx(327680.0).epsilon(1e-9));
}

TEST_CASE("kv: llama-3.1-405b 516,096 B/token (M-85)") {
  // M-85 (ISCA'25 arXiv:2505.09343 Table 1): 2 x 8 x 128 x 126 layers x 2 B = 516,096 B.
  CHECK(kv_per_token("llama-3.1-405b", 4096) == doctest::Approx(516096.0).epsilon(1e-9));
}

TEST_CASE("kv: deepseek-v3 MLA 70,272 B/token (M-83)") {
  // M-83 (ISCA'25 arXiv:2505.09343 Table 1): 61 layers x (512 latent + 64 rope key) x 2 B = 70,272 B.
  CHECK(kv_per_token("deepseek-v3", 4096) == doctest::Approx(70272.0).epsilon(1e-9));
  CHECK(kv_layers(arch("deepseek-v3")) == 61);
}

TEST_CASE("kv: opt-13b 819,200 B/token (M-80)") {
  // M-80 (Kwon et al., PagedAttention, arXiv:2309.06180 sec. 3): 2 (K,V) x 5120 x 40 layers x 2 B = 819,200 B ("800
  // KB"); one 2048-token request = 1,677,721,600 B ("1.6 GB").
  CHECK(kv_per_token("opt-13b", 2048) == doctest::Approx(819200.0).epsilon(1e-9));
  CHECK(kv_bytes_per_sequence(arch("opt-13b"), 2048, kBf16) == doctest::Approx(1677721600.0).epsilon(1e-9));
}

TEST_CASE("kv: llama-2-13b (MHA) 819,200 B/token") {
  // 40 layers x 2 (K,V) x 40 kv heads x 128 head_dim x 2 B = 819,200 B.
  CHECK(kv_per_token("llama-2-13b", 4096) == doctest::Approx(819200.0).epsilon(1e-9));
}

TEST_CASE("kv: gpt-j-6b 458,752 B/token") {
  // 28 layers x 2 x 16 heads x 256 head_dim x 2 B = 458,752 B (rotary_dim 64 does not change it).
  CHECK(kv_per_token("gpt-j-6b", 2048) == doctest::Approx(458752.0).epsilon(1e-9));
}

TEST_CASE("kv: falcon-180b GQA 163,840 B/token") {
  // 80 layers x 2 x 8 kv heads x 64 head_dim x 2 B = 163,840 B.
  CHECK(kv_per_token("falcon-180b", 2048) == doctest::Approx(163840.0).epsilon(1e-9));
}

TEST_CASE("kv: gpt-13b 819,200 B/token") {
  // 40 layers x 2 x 5120 (40 heads x 128) x 2 B = 819,200 B, the same as OPT-13B.
  CHECK(kv_per_token("gpt-13b", 2048) == doctest::Approx(819200.0).epsilon(1e-9));
}

TEST_CASE("kv: deepseek-v2 MLA 69,120 B/token") {
  // 60 layers x (512 latent + 64 rope key) x 2 B = 69,120 B.
  CHECK(kv_per_token("deepseek-v2", 4096) == doctest::Approx(69120.0).epsilon(1e-9));
  CHECK(kv_layers(arch("deepseek-v2")) == 60);
}

// ---- sliding-window layers --------------------------------------------------------------------

TEST_CASE("kv: gemma-3-27b at 32,768 tokens keeps 1,024 tokens on its 52 local layers") {
  // docs/model.md "KV cache": Gemma 3 5 local : 1 global, window 1024 (config sliding_window_pattern 6, sliding_window
  // 1024). gemma-3-27b: 62 layers, global where (i+1) % 6 == 0 -> i = 5, 11, ..., 59 -> 10 global, 52 local; 16 kv
  // heads x 128. Per token per layer bf16: 2*16*128*2 = 8,192 B. Total = 8192 * (10*32768 + 52*1024) = 8192 * (327,680
  // + 53,248) = 8192 * 380,928
  //       = 3,120,562,176 B.
  const Architecture& a = arch("gemma-3-27b");
  CHECK(kv_layers(a) == 62);
  CHECK(kv_bytes_per_sequence(a, 32768, kBf16) == doctest::Approx(3120562176.0).epsilon(1e-9));
  // Below the window every layer holds the full context: 62 * 8192 = 507,904 B/token.
  CHECK(kv_per_token("gemma-3-27b", 1024) == doctest::Approx(507904.0).epsilon(1e-9));
}

TEST_CASE("kv: gpt-oss-120b at 32,768 tokens: 18 full layers + 18 sliding layers of 128") {
  // docs/model.md "KV cache": gpt-oss 1:1, window 128 (config layer_types, sliding_window 128). 36 layers, 8 kv heads
  // x 64. Per token per layer bf16: 2*8*64*2 = 2,048 B. Total = 2048 * (18*32768 + 18*128) = 2048 * 18 * 32,896 = 2048
  // * 592,128 = 1,212,678,144 B.
  const Architecture& a = arch("gpt-oss-120b");
  CHECK(kv_bytes_per_sequence(a, 32768, kBf16) == doctest::Approx(1212678144.0).epsilon(1e-9));
  // At 128 tokens every layer holds everything: 36 * 2048 = 73,728 B/token.
  CHECK(kv_per_token("gpt-oss-120b", 128) == doctest::Approx(73728.0).epsilon(1e-9));
}

TEST_CASE("kv: mistral-7b caps every layer at 4,096 tokens") {
  // docs/model.md "KV cache": Mistral-7B-v0.1 all layers 4096 (config sliding_window 4096). 32 layers, 8 kv heads x
  // 128: 2*8*128*2 = 4,096 B per token per layer. At 32,768: 32 * 4096 tokens * 4096 B = 536,870,912 B (0.5 GiB).
  const Architecture& a = arch("mistral-7b");
  CHECK(kv_bytes_per_sequence(a, 32768, kBf16) == doctest::Approx(536870912.0).epsilon(1e-9));
  // At 2,048 (below the window): 32 * 2048 * 4096 = 268,435,456 B.
  CHECK(kv_bytes_per_sequence(a, 2048, kBf16) == doctest::Approx(268435456.0).epsilon(1e-9));
}

// ---- hybrids: KV only on attention layers, constant recurrent state ------------------------------

TEST_CASE("hybrid: jamba-1.5-mini has 4 attention layers of 32; 4 GiB KV at 256K") {
  // jamba config: attn_layer_period 8, offset 4 -> layers 4, 12, 20, 28 attend; 28 Mamba layers.
  const Architecture& a = arch("jamba-1.5-mini");
  CHECK(a.num_layers == 32);
  CHECK(kv_layers(a) == 4);
  // Per token per attention layer: 2*8 kv heads*128*2 B = 4,096 B; 4 layers -> 16,384 B/token;
  // 262,144 tokens * 16,384 = 4,294,967,296 B = 4 GiB exactly (Jamba paper: "KV cache 4GB at 256K").
  CHECK(kv_bytes_per_sequence(a, 262144, kBf16) == doctest::Approx(4294967296.0).epsilon(1e-9));
  CHECK(kv_bytes_per_sequence(a, 262144, kBf16) / kGiB == doctest::Approx(4.0).epsilon(1e-9));
}

TEST_CASE("hybrid: jamba-1.5-mini recurrent state is 8.3125 MiB per sequence in bf16") {
  // docs/model.md "Recurrent state" (vLLM vllm/model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator),
  // Mamba-1: conv (d_conv-1)*d_inner + ssm d_inner*d_state; d_inner = 2*4096 = 8192, d_conv 4, d_state 16. 28 layers *
  // (3*8192 + 8192*16) = 28 * 155,648 = 4,358,144 elements * 2 B = 8,716,288 B = 8.3125 MiB.
  const double s = state_bytes_per_sequence(arch("jamba-1.5-mini"), kBf16);
  CHECK(s == doctest::Approx(8716288.0).epsilon(1e-9));
  CHECK(s / kMiB == doctest::Approx(8.3125).epsilon(1e-9));
}

TEST_CASE("hybrid: nemotron-h-8b Mamba-2 state") {
  // docs/model.md "Recurrent state", Mamba-2: conv (d_conv-1)*(d_inner + 2*G*N) + ssm
  // H*P*N. nemotron-h-8b: 24 M layers, 128 heads x 64 = d_inner 8192, G 8, N 128, d_conv 4.
  // Per layer: 3*(8192 + 2*8*128) + 128*64*128 = 3*10,240 + 1,048,576 = 1,079,296 elements;
  // 24 layers = 25,903,104 elements; bf16 -> 51,806,208 B.
  const Architecture& a = arch("nemotron-h-8b");
  CHECK(kv_layers(a) == 4);
  CHECK(state_bytes_per_sequence(a, kBf16) == doctest::Approx(51806208.0).epsilon(1e-9));
  // fp32 state doubles it.
  CHECK(state_bytes_per_sequence(a, DType{DType::Kind::fp32}) == doctest::Approx(103612416.0).epsilon(1e-9));
  // KV: 4 attention layers * 2*8*128*2 = 16,384 B/token.
  CHECK(kv_per_token("nemotron-h-8b", 4096) == doctest::Approx(16384.0).epsilon(1e-9));
}

TEST_CASE("hybrid: qwen3-next-80b-a3b Gated DeltaNet state") {
  // docs/model.md "Recurrent state", Gated DeltaNet: conv (k-1)*(2*n_k*d_k + n_v*d_v)
  // + ssm n_v*d_k*d_v. qwen3-next: 48 layers, full_attention_interval 4 -> 12 attention, 36 GDN;
  // 16 k heads, 32 v heads, d_k = d_v = 128, conv 4.
  // Per layer: 3*(2*16*128 + 32*128) + 32*128*128 = 3*8,192 + 524,288 = 548,864 elements;
  // 36 layers = 19,759,104 elements; bf16 -> 39,518,208 B.
  const Architecture& a = arch("qwen3-next-80b-a3b");
  CHECK(kv_layers(a) == 12);
  CHECK(state_bytes_per_sequence(a, DType{DType::Kind::fp32}) / 4.0 == doctest::Approx(19759104.0).epsilon(1e-9));
  CHECK(state_bytes_per_sequence(a, kBf16) == doctest::Approx(39518208.0).epsilon(1e-9));
  // KV: 12 layers * 2*2 kv heads*256*2 B = 24,576 B/token.
  CHECK(kv_per_token("qwen3-next-80b-a3b", 4096) == doctest::Approx(24576.0).epsilon(1e-9));
}

TEST_CASE("hybrid: dense transformers hold no recurrent state") {
  CHECK(state_bytes_per_sequence(arch("llama-3.1-8b"), kBf16) == 0.0);
  CHECK(state_bytes_per_sequence(arch("deepseek-v3"), kBf16) == 0.0);
}

// ---- MoE parameter counts ---------------------------------------------------------------------

TEST_CASE("moe: mixtral-8x7b 46.7B total, 12.9B active") {
  // Stated 46.7B total, 12.9B active (Mistral AI, "Mixtral of experts", https://mistral.ai/news/mixtral-of-experts,
  // 2023-12-11); computed 46.703B / 12.880B. [calc] 46.703B / 12.880B.
  const ParamCounts p = count_params(arch("mixtral-8x7b"));
  CHECK(p.total == doctest::Approx(46.7e9).epsilon(0.01));
  CHECK(p.active == doctest::Approx(12.9e9).epsilon(0.01));
  CHECK(p.num_moe_layers == 32);
}

TEST_CASE("moe: deepseek-v3 671.03B total, 37.55B active (no MTP)") {
  // Computed total / active (no MTP) 671.026B / 37.552B (active includes embedding and lm head); stated 671B / 37B
  // (deepseek-ai/DeepSeek-V3 README.md @9b4e9788e4a3a731f7567338ed15d3ec549ce03b). (active includes embedding and lm
  // head); stated 671B / 37B (S-DSV3 README).
  const ParamCounts p = count_params(arch("deepseek-v3"));
  CHECK(p.total == doctest::Approx(671.03e9).epsilon(0.002));
  CHECK(p.active == doctest::Approx(37.55e9).epsilon(0.002));
  // first_k_dense_replace 3 -> 58 of 61 layers are MoE (config; docs/model.md "Parameters").
  CHECK(p.num_moe_layers == 58);
}

TEST_CASE("moe: gpt-oss-120b 116.8B total, ~5.13B active counting the unembedding") {
  // Computed 116.829B total (117B stated, openai/gpt-oss README.md);
  // [calc] active 5.712B with embedding and unembedding, "5.133B without unembedding" (one
  // 0.579B table fewer); stated 5.1B active.
  const ParamCounts p = count_params(arch("gpt-oss-120b"));
  CHECK(p.total == doctest::Approx(116.8e9).epsilon(0.01));
  CHECK(p.total == doctest::Approx(116.829e9).epsilon(0.001));
  // embedding = lm head = 201,088 * 2,880 = 579,133,440 (untied).
  CHECK(p.embedding == 579133440.0);
  CHECK(p.lm_head == 579133440.0);
  CHECK(p.active == doctest::Approx(5.712e9).epsilon(0.002));
  // Active without the embedding gather (the lm head is a matmul and counts): 5.133B.
  CHECK(p.active - p.embedding == doctest::Approx(5.13e9).epsilon(0.02));
  // Active without embedding AND lm head, by hand (h 2880, 64 q / 8 kv heads x 64, 128 experts
  // top-4 of 3*2880*2880 + biases, router 2880*128 + 128):
  //   attention 2880*4096*2 + 2*2880*512 + biases (4096 + 1024 + 2880) + sinks 64 = 26,550,144
  //   2 norms 5,760; router 368,768; 4 experts * (24,883,200 + 8,640) = 99,567,360
  //   per layer 126,492,032 * 36 = 4,553,713,152; + final norm 2,880 = 4,553,716,032.
  CHECK(p.active - p.embedding - p.lm_head == doctest::Approx(4553716032.0).epsilon(1e-12));
}

// ---- every model in the database: computed vs stated ------------------------------------------

TEST_CASE("db: every model's computed params are within its tolerance of the stated ones") {
  const auto ids = db().ids(EntryKind::model);
  CHECK(ids.size() >= 30);
  for (const auto& id : ids) {
    INFO("model " << id);
    const ModelEntry* m = nullptr;
    try {
      m = &db().model(id);
    } catch (const Error& e) {
      FAIL_CHECK("model " << id << " does not load: " << e.what());
      continue;
    }
    const ParamCounts p = count_params(m->arch);
    const double tol = m->params_tolerance;
    if (m->stated_total > 0) {
      const double gap = std::abs(p.total - m->stated_total) / m->stated_total;
      INFO("total computed " << p.total << " stated " << m->stated_total << " gap " << gap << " tol " << tol);
      CHECK_MESSAGE(gap <= tol, id << ": total params outside tolerance");
    }
    if (m->stated_active > 0) {
      const double gap = std::abs(p.active - m->stated_active) / m->stated_active;
      INFO("active computed " << p.active << " stated " << m->stated_active << " gap " << gap << " tol " << tol);
      CHECK_MESSAGE(gap <= tol, id << ": active params outside tolerance");
    }
    CHECK(p.active <= p.total);
  }
}

TEST_CASE("db: every database file loads and every reference resolves") {
  CHECK_NOTHROW(load_everything(db()));
  for (const auto& id : db().ids(EntryKind::gpu)) {
    INFO("gpu " << id);
    const Gpu* g = nullptr;
    CHECK_NOTHROW(g = &db().gpu(id));
    if (!g) continue;
    CHECK(g->id == id);
    if (!g->scale_up_id.empty()) CHECK_NOTHROW(db().interconnect(g->scale_up_id));
    if (!g->host_link_id.empty()) CHECK_NOTHROW(db().interconnect(g->host_link_id));
  }
  for (const auto& o : db().gpu_offers()) {
    INFO("gpu price offer " << o.provider << " " << o.gpu << " " << o.pricing);
    CHECK_NOTHROW(db().gpu(o.gpu));
    CHECK(o.usd_per_gpu_hour > 0);
  }
  for (const auto& o : db().api_offers()) {
    INFO("api price offer " << o.provider << " " << o.model);
    CHECK_NOTHROW(db().model(o.model));
  }
}

TEST_CASE("db: the GH200, L40 and NVL entries load with their datasheet peaks") {
  // GH200 96 GB: 4.0 TB/s, H100 peaks (FP8 3,958 with sparsity -> 1,979 dense), NVLink-C2C host.
  const Gpu& gh = db().gpu("gh200");
  CHECK(gh.memory_bw_bytes_per_s == doctest::Approx(4.0e12));
  CHECK(gh.peak(Peak::fp8) == doctest::Approx(1979e12));
  CHECK(gh.host_link_id == "nvlink-c2c");
  CHECK(gh.scale_up_id == "nvlink4");
  const Gpu& gh144 = db().gpu("gh200-144gb");
  CHECK(gh144.memory_bw_bytes_per_s == doctest::Approx(4.9e12));
  CHECK(gh144.memory_bytes > gh.memory_bytes);
  // L40: 864 GB/s, FP8 724 with sparsity -> 362 dense, BF16 181.05 dense, PCIe 4, no NVLink.
  const Gpu& l40 = db().gpu("l40");
  CHECK(l40.memory_bw_bytes_per_s == doctest::Approx(0.864e12));
  CHECK(l40.peak(Peak::fp8) == doctest::Approx(362e12));
  CHECK(l40.peak(Peak::bf16) == doctest::Approx(181.05e12));
  CHECK(l40.scale_up_id.empty());
  CHECK(l40.host_link_id == "pcie4");
  // H100 NVL / H200 NVL: FP8 3,341 with sparsity -> 1,670.5 dense (above 1 PFLOP/s).
  for (const char* id : {"h100-nvl", "h200-nvl"}) {
    INFO(id);
    CHECK(db().gpu(id).peak(Peak::fp8) == doctest::Approx(1670.5e12));
    CHECK(db().gpu(id).peak(Peak::int8) == doctest::Approx(1670.5e12));
  }
}

// ---- names -------------------------------------------------------------------------------------

TEST_CASE("names: Hugging Face ids, case-insensitive ids, did-you-mean") {
  CHECK(db().model("meta-llama/Llama-3.1-8B-Instruct").id == "llama-3.1-8b");
  CHECK(db().model("LLAMA-3.1-8B").id == "llama-3.1-8b");
  CHECK_THROWS_AS(db().model("llama-3.1-8bb"), Error);
  try {
    db().model("llama-3.1-8bb");
  } catch (const Error& e) {
    INFO("message: " << e.what());
    CHECK(std::string(e.what()).find("did you mean 'llama-3.1-8b'") != std::string::npos);
  }
}

// ---- FLOPs -------------------------------------------------------------------------------------

TEST_CASE("flops: llama-3.1-8b decode at context 1") {
  // docs/model.md "FLOPs": FLOPs = 2 * active matmul params + attention 4*L*n_q*head_dim
  // per full layer. The input embedding is a gather, not a matmul: matmul params =
  // 8,030,261,248 - 525,336,576 = 7,504,924,672; x2 = 15,009,849,344.
  // Attention at L = 1: 4 * 1 * 32 heads * 128 * 32 layers = 524,288.
  // Total = 15,010,373,632.
  const Architecture& a = arch("llama-3.1-8b");
  const ParamCounts p = count_params(a);
  CHECK(decode_attention_flops(a, 1) == 524288.0);
  CHECK(decode_flops_per_token(a, p, 1) == doctest::Approx(15010373632.0).epsilon(1e-12));
  // At 8,192 tokens attention grows linearly: 4*8192*32*128*32 = 4,294,967,296.
  CHECK(decode_attention_flops(a, 8192) == doctest::Approx(4294967296.0).epsilon(1e-12));
  // Prefill of one token is the same work as decoding at context 1 (causal_pairs(1) = 1).
  CHECK(prefill_flops(a, p, 1) == doctest::Approx(15010373632.0).epsilon(1e-12));
}

TEST_CASE("flops: causal pairs") {
  // Sum over positions 1..S of min(pos, window). Full causal S=4: 1+2+3+4 = 10.
  CHECK(causal_pairs(4, 0) == 10.0);
  // S=10, window 4: 1+2+3+4 = 4*5/2 = 10, then 6 positions of 4 = 24 -> 34.
  CHECK(causal_pairs(10, 4) == 34.0);
  // A window at least S long is full causal: 10*11/2 = 55.
  CHECK(causal_pairs(10, 10) == 55.0);
  CHECK(causal_pairs(10, 100) == 55.0);
  CHECK(causal_pairs(0, 0) == 0.0);
}

TEST_CASE("flops: llama-3.1-8b prefill of 8,192 tokens") {
  // docs/model.md "FLOPs" (prefill): 2 * matmul params * S + causal attention 4 * pairs * n_q * d per layer.
  // 2 * 7,504,924,672 * 8192 = 122,960,685,826,048;
  // pairs(8192) = 8192*8193/2 = 33,558,528; 4 * 33,558,528 * 32 * 128 * 32 = 17,594,333,528,064.
  // Total = 140,555,019,354,112.
  const Architecture& a = arch("llama-3.1-8b");
  CHECK(prefill_flops(a, count_params(a), 8192) == doctest::Approx(140555019354112.0).epsilon(1e-12));
}

// ---- weights -----------------------------------------------------------------------------------

TEST_CASE("weights: checkpoint formats follow quantization_config") {
  // docs/model.md "Data types": DeepSeek-V3 ships FP8 in 128x128 blocks (deepseek-ai/DeepSeek-V3 README_WEIGHTS.md;
  // config weight_block_size); gpt-oss MXFP4 experts with BF16 attention.
  CHECK(arch("deepseek-v3").weight_dtype.name() == "fp8-block");
  CHECK(arch("deepseek-v3").expert_dtype.name() == "fp8-block");
  CHECK(arch("gpt-oss-120b").weight_dtype.name() == "bf16");
  CHECK(arch("gpt-oss-120b").expert_dtype.name() == "mxfp4");
  // llama-3.1-8b bf16 weights: 8,030,261,248 * 2 = 16,060,522,496 B.
  const Architecture& l = arch("llama-3.1-8b");
  CHECK(weight_bytes(l, count_params(l), kBf16, kBf16) == 16060522496.0);
}
