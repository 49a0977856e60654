// Model architectures from the shipped model-db: parameter counts, KV cache, recurrent state,
// FLOPs. Every expected value is copied here with its source (case ID in
// ../shared/reference/cases.md, MODELING.md, or data/model-configs.md) and the hand arithmetic;
// nothing outside tests/ is read at run time.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "common.hpp"
#include "io/db.hpp"
#include "model.hpp"

using namespace mlcalc;

namespace {

Database& db() {
  static Database d;
  return d;
}

const Architecture& arch(const std::string& id) { return db().model(id).arch; }

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
  // MODELING.md "Parameters": check value Llama-3.1-8B 8,030,261,248.
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
  // MODELING.md "Parameters": check value Llama-2-7B 6,738,415,616.
  const ParamCounts p = count_params(arch("llama-2-7b"));
  CHECK(p.total == 6738415616.0);
  CHECK(p.active == 6738415616.0);
}

// ---- KV bytes per token ---------------------------------------------------------------------

TEST_CASE("kv: llama-3.1-8b 131,072 B/token in bf16, 65,536 in fp8") {
  // cases.md M-82 (S-MLE inference/README.md): 2*2*32*4096*8/32 = 131,072 B ("0.131 MB/token").
  // = 2 (K,V) * 8 kv heads * 128 head_dim * 32 layers * 2 B.
  CHECK(kv_per_token("llama-3.1-8b", 4096) == doctest::Approx(131072.0).epsilon(1e-9));
  // fp8 (1 B): half, 65,536.
  CHECK(kv_per_token("llama-3.1-8b", 4096, kFp8) == doctest::Approx(65536.0).epsilon(1e-9));
  // M-82: bs=128 x 1024 tokens ~= 17.2 GB (decimal): 131072*1024*128 = 17,179,869,184 B.
  CHECK(kv_bytes_per_sequence(arch("llama-3.1-8b"), 1024, kBf16) * 128 == doctest::Approx(17179869184.0).epsilon(1e-9));
}

TEST_CASE("kv: llama-2-7b (MHA) 524,288 B/token") {
  // Llama-2-7B: 32 layers, 32 kv heads (MHA), head_dim 128: 2*32*128*32*2 = 524,288 B.
  // Cross-check: cases.md secondary list gives LongAlpaca-7B (a Llama-2-7B) 512 kB = 524,288 B.
  CHECK(kv_per_token("llama-2-7b", 4096) == doctest::Approx(524288.0).epsilon(1e-9));
}

TEST_CASE("kv: qwen2.5-72b 327,680 B/token (M-84)") {
  // cases.md M-84 (S-ISCA Table 1): 2 x 8 kv heads x 128 x 80 layers x 2 B = 327,680 B.
  CHECK(kv_per_token("qwen2.5-72b", 4096) == doctest::Approx(327680.0).epsilon(1e-9));
}

TEST_CASE("kv: llama-3.1-405b 516,096 B/token (M-85)") {
  // cases.md M-85 (S-ISCA Table 1): 2 x 8 x 128 x 126 layers x 2 B = 516,096 B.
  CHECK(kv_per_token("llama-3.1-405b", 4096) == doctest::Approx(516096.0).epsilon(1e-9));
}

TEST_CASE("kv: deepseek-v3 MLA 70,272 B/token (M-83)") {
  // cases.md M-83 (S-ISCA Table 1): 61 layers x (512 latent + 64 rope key) x 2 B = 70,272 B.
  CHECK(kv_per_token("deepseek-v3", 4096) == doctest::Approx(70272.0).epsilon(1e-9));
  CHECK(kv_layers(arch("deepseek-v3")) == 61);
}

TEST_CASE("kv: opt-13b 819,200 B/token (M-80)") {
  // cases.md M-80 (S-vLLM sec. 3): 2 (K,V) x 5120 x 40 layers x 2 B = 819,200 B ("800 KB");
  // one 2048-token request = 1,677,721,600 B ("1.6 GB").
  CHECK(kv_per_token("opt-13b", 2048) == doctest::Approx(819200.0).epsilon(1e-9));
  CHECK(kv_bytes_per_sequence(arch("opt-13b"), 2048, kBf16) == doctest::Approx(1677721600.0).epsilon(1e-9));
}

// ---- sliding-window layers --------------------------------------------------------------------

TEST_CASE("kv: gemma-3-27b at 32,768 tokens keeps 1,024 tokens on its 52 local layers") {
  // MODELING.md "KV cache": Gemma 3 5 local : 1 global, window 1024. gemma-3-27b: 62 layers,
  // global where (i+1) % 6 == 0 -> i = 5, 11, ..., 59 -> 10 global, 52 local; 16 kv heads x 128.
  // Per token per layer bf16: 2*16*128*2 = 8,192 B.
  // Total = 8192 * (10*32768 + 52*1024) = 8192 * (327,680 + 53,248) = 8192 * 380,928
  //       = 3,120,562,176 B.
  const Architecture& a = arch("gemma-3-27b");
  CHECK(kv_layers(a) == 62);
  CHECK(kv_bytes_per_sequence(a, 32768, kBf16) == doctest::Approx(3120562176.0).epsilon(1e-9));
  // Below the window every layer holds the full context: 62 * 8192 = 507,904 B/token.
  CHECK(kv_per_token("gemma-3-27b", 1024) == doctest::Approx(507904.0).epsilon(1e-9));
}

TEST_CASE("kv: gpt-oss-120b at 32,768 tokens: 18 full layers + 18 sliding layers of 128") {
  // MODELING.md "KV cache": gpt-oss 1:1, window 128. 36 layers, 8 kv heads x 64.
  // Per token per layer bf16: 2*8*64*2 = 2,048 B.
  // Total = 2048 * (18*32768 + 18*128) = 2048 * 18 * 32,896 = 2048 * 592,128 = 1,212,678,144 B.
  const Architecture& a = arch("gpt-oss-120b");
  CHECK(kv_bytes_per_sequence(a, 32768, kBf16) == doctest::Approx(1212678144.0).epsilon(1e-9));
  // At 128 tokens every layer holds everything: 36 * 2048 = 73,728 B/token.
  CHECK(kv_per_token("gpt-oss-120b", 128) == doctest::Approx(73728.0).epsilon(1e-9));
}

TEST_CASE("kv: mistral-7b caps every layer at 4,096 tokens") {
  // MODELING.md "KV cache": Mistral-7B-v0.1 all layers 4096. 32 layers, 8 kv heads x 128:
  // 2*8*128*2 = 4,096 B per token per layer.
  // At 32,768: 32 * 4096 tokens * 4096 B = 536,870,912 B (0.5 GiB).
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
  // data/model-configs.md "Recurrent state" (vLLM MambaStateShapeCalculator), Mamba-1:
  // conv (d_conv-1)*d_inner + ssm d_inner*d_state; d_inner = 2*4096 = 8192, d_conv 4, d_state 16.
  // 28 layers * (3*8192 + 8192*16) = 28 * 155,648 = 4,358,144 elements * 2 B = 8,716,288 B
  // = 8.3125 MiB.
  const double s = state_bytes_per_sequence(arch("jamba-1.5-mini"), kBf16);
  CHECK(s == doctest::Approx(8716288.0).epsilon(1e-9));
  CHECK(s / kMiB == doctest::Approx(8.3125).epsilon(1e-9));
}

TEST_CASE("hybrid: nemotron-h-8b Mamba-2 state") {
  // data/model-configs.md "Recurrent state", Mamba-2: conv (d_conv-1)*(d_inner + 2*G*N) + ssm
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
  // data/model-configs.md "Recurrent state", Gated DeltaNet: conv (k-1)*(2*n_k*d_k + n_v*d_v)
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
  // data/model-configs.md "Mixtral": stated 46.7B total, 12.9B active (Mistral announcement);
  // [calc] 46.703B / 12.880B.
  const ParamCounts p = count_params(arch("mixtral-8x7b"));
  CHECK(p.total == doctest::Approx(46.7e9).epsilon(0.01));
  CHECK(p.active == doctest::Approx(12.9e9).epsilon(0.01));
  CHECK(p.num_moe_layers == 32);
}

TEST_CASE("moe: deepseek-v3 671.03B total, 37.55B active (no MTP)") {
  // data/model-configs.md "DeepSeek-V3": [calc] total / active (no MTP) 671.026B / 37.552B
  // (active includes embedding and lm head); stated 671B / 37B (S-DSV3 README).
  const ParamCounts p = count_params(arch("deepseek-v3"));
  CHECK(p.total == doctest::Approx(671.03e9).epsilon(0.002));
  CHECK(p.active == doctest::Approx(37.55e9).epsilon(0.002));
  // first_k_dense_replace 3 -> 58 of 61 layers are MoE (model-configs.md).
  CHECK(p.num_moe_layers == 58);
}

TEST_CASE("moe: gpt-oss-120b 116.8B total, ~5.13B active counting the unembedding") {
  // data/model-configs.md "gpt-oss": [calc] 116.829B total (117B stated, openai/gpt-oss README);
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
  // MODELING.md "Inference time": FLOPs = 2 * active matmul params + attention 4*L*n_q*head_dim
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
  // MODELING.md "Prefill": 2 * matmul params * S + causal attention 4 * pairs * n_q * d per layer.
  // 2 * 7,504,924,672 * 8192 = 122,960,685,826,048;
  // pairs(8192) = 8192*8193/2 = 33,558,528; 4 * 33,558,528 * 32 * 128 * 32 = 17,594,333,528,064.
  // Total = 140,555,019,354,112.
  const Architecture& a = arch("llama-3.1-8b");
  CHECK(prefill_flops(a, count_params(a), 8192) == doctest::Approx(140555019354112.0).epsilon(1e-12));
}

// ---- weights -----------------------------------------------------------------------------------

TEST_CASE("weights: checkpoint formats follow quantization_config") {
  // MODELING.md "Parameters": DeepSeek-V3 ships FP8 in 128x128 blocks; gpt-oss MXFP4 experts
  // with BF16 attention.
  CHECK(arch("deepseek-v3").weight_dtype.name() == "fp8-block");
  CHECK(arch("deepseek-v3").expert_dtype.name() == "fp8-block");
  CHECK(arch("gpt-oss-120b").weight_dtype.name() == "bf16");
  CHECK(arch("gpt-oss-120b").expert_dtype.name() == "mxfp4");
  // llama-3.1-8b bf16 weights: 8,030,261,248 * 2 = 16,060,522,496 B.
  const Architecture& l = arch("llama-3.1-8b");
  CHECK(weight_bytes(l, count_params(l), kBf16, kBf16) == 16060522496.0);
}
