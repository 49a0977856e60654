// Everyday use: charts (--plot SVG, --format vega), shell completion and the man page from the
// command tree, --quiet and folded warnings, one set of workload defaults, errors that name the
// subcommand's help, the local Hugging Face cache, and LoRA / QLoRA training memory.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "cli_runner.hpp"
#include "io/chart.hpp"
#include "io/table.hpp"
#include "io/db.hpp"
#include "training_memory.hpp"

using namespace mlcalc;
namespace fs = std::filesystem;

namespace {

mlcalc::test::Run mlc(const std::string& a, const std::string& env = "") {
  return mlcalc::test::mlcalc(a, env);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// Well-formed XML, as far as an SVG of ours goes: every element opened is closed in order.
bool balanced_xml(const std::string& s) {
  std::vector<std::string> stack;
  const std::regex tag("<(/?)([a-zA-Z]+)[^>]*?(/?)>");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m[3] == "/") continue;  // self-closing
    if (m[1] == "/") {
      if (stack.empty() || stack.back() != m[2]) return false;
      stack.pop_back();
    } else {
      stack.push_back(m[2]);
    }
  }
  return stack.empty();
}

std::string temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("mlcalc_ux_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// TinyLlama-1.1B's config.json (TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T on the Hub).
const char* kTinyLlama = R"({"model_type": "llama", "hidden_size": 2048, "intermediate_size": 5632,
  "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 32000,
  "max_position_embeddings": 2048, "tie_word_embeddings": false})";

}  // namespace

TEST_CASE("chart ticks: 1-2-5 steps cover the range; log axes step by decades") {
  const auto t = chart_ticks(0, 937, false);  // raw step 187 -> 200
  REQUIRE(t.size() == 6);
  CHECK(t.front() == 0);
  CHECK(t.back() == 1000);
  const auto l = chart_ticks(3, 4000, true);  // 1e0 .. 1e4, more than two decades: decades only
  CHECK(l == std::vector<double>{1, 10, 100, 1000, 10000});
  const auto f = chart_ticks(0.2, 9, true);  // two decades: 1-2-5
  CHECK(f.front() == doctest::Approx(0.1));
  CHECK(std::count(f.begin(), f.end(), 2.0) == 1);
}

TEST_CASE("--plot writes an SVG of the throughput sweep with the serving point marked") {
  const std::string dir = temp_dir("plot");
  const std::string svg = dir + "/t.svg";
  const auto r = mlc("throughput -m llama-3.1-8b -g h100-sxm --batch 1..256 --concurrency auto --plot " + svg);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const std::string s = slurp(svg);
  CHECK(s.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(balanced_xml(s));
  // One marker per batch row that runs (1..256: 9 rows), one polyline per series, the serving diamond.
  CHECK(count(s, "<circle") == 9);
  CHECK(count(s, "<polyline") >= 1);
  CHECK(s.find("serving point") != std::string::npos);
  CHECK(s.find("output tokens/s per GPU") != std::string::npos);
  CHECK(s.find("prefers-color-scheme: dark") != std::string::npos);
  CHECK(s.find("nan") == std::string::npos);
  CHECK(s.find("inf") == std::string::npos);
  // The table still goes to stdout.
  CHECK(r.out.find("tok/s/user") != std::string::npos);
}

TEST_CASE("--plot for breakeven and vram; commands without a chart say so") {
  const std::string dir = temp_dir("plot2");
  auto b = mlc("breakeven -m llama-3.1-8b -g h100-sxm --gpu-price 2.5 --api-price 0.20/0.60 --plot " + dir + "/b.svg");
  REQUIRE_MESSAGE(b.status == 0, b.err);
  const std::string bs = slurp(dir + "/b.svg");
  CHECK(balanced_xml(bs));
  CHECK(count(bs, "<circle") == 20);  // the 5%..100% curve
  CHECK(bs.find("--api-price 0.20/0.60") != std::string::npos);
  CHECK(bs.find("$ per million tokens") != std::string::npos);
  // Every API offer of the model in the database is a line too.
  CHECK(count(bs, "class=\"rule\"") > 1);

  auto v = mlc("vram train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --zero 3 --plot " + dir + "/v.svg");
  REQUIRE_MESSAGE(v.status == 0, v.err);
  const std::string vs = slurp(dir + "/v.svg");
  CHECK(balanced_xml(vs));
  CHECK(vs.find("optimizer states") != std::string::npos);
  CHECK(vs.find("h100-sxm memory") != std::string::npos);
  CHECK(balanced_xml(render_svg(Chart{})));  // empty chart: still a valid picture

  auto d = mlc("describe llama-3.1-8b --plot " + dir + "/d.svg");
  CHECK(d.status == 2);
  CHECK(d.err.find("has no chart") != std::string::npos);
  auto w = mlc("throughput -m llama-3.1-8b -g h100-sxm --plot /nonexistent-dir/x.svg");
  CHECK(w.status == 1);
  CHECK(w.err.find("cannot write") != std::string::npos);
}

TEST_CASE("--format vega: a Vega-Lite spec with the rows inline") {
  const auto r = mlc("throughput -m llama-3.1-8b -g h100-sxm --batch 1..64 --format vega");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto v = r.json();
  CHECK(v["$schema"].get<std::string>().find("vega-lite") != std::string::npos);
  const auto& values = v["layer"][0]["data"]["values"];
  CHECK(values.size() == 7);  // 1, 2, 4, ..., 64
  // The same numbers as the JSON envelope's rows.
  const auto j = mlc("throughput -m llama-3.1-8b -g h100-sxm --batch 1..64 --json").json();
  CHECK(values[3]["x"].get<double>() ==
        doctest::Approx(j["result"]["rows"][3]["output_tokens_per_s_per_gpu"].get<double>()));
  CHECK(values[3]["y"].get<double>() == doctest::Approx(j["result"]["rows"][3]["tokens_per_s_per_user"].get<double>()));
  const auto t = mlc("vram train -m llama-3.1-8b -g h100-sxm --format vega").json();
  CHECK(t["layer"][0]["mark"] == "bar");
  CHECK(mlc("list gpus --format vega").status == 2);
}

TEST_CASE("completion scripts come from the command tree and the database") {
  for (const char* sh : {"bash", "zsh", "fish"}) {
    const auto r = mlc(std::string("completion ") + sh);
    INFO(sh);
    REQUIRE(r.status == 0);
    for (const char* word : {"throughput", "breakeven", "lora-rank", "plot", "h100-sxm", "llama-3.1-8b", "train"})
      CHECK_MESSAGE(r.out.find(word) != std::string::npos, word);
  }
  // Choice lists from the option descriptions complete values: --recompute none|selective|full.
  CHECK(mlc("completion bash").out.find("compgen -W \"none selective") != std::string::npos);
  // A --db entry shows up (the scripts read the database they would run with).
  const auto db = mlc("--db " + std::string(MLCALC_TEST_DATA) + "/override completion bash");
  CHECK(db.status == 0);
  if (std::system("command -v bash >/dev/null 2>&1") == 0) {
    const std::string dir = temp_dir("comp");
    std::ofstream(dir + "/mlcalc.bash") << mlc("completion bash").out;
    CHECK(std::system(("bash -n " + dir + "/mlcalc.bash").c_str()) == 0);
    // Complete `mlcalc vram train --opt` and `mlcalc throughput -g h100-s`.
    const std::string probe = "source " + dir +
                              "/mlcalc.bash; COMP_WORDS=(mlcalc vram train --optim); COMP_CWORD=3; _mlcalc; "
                              "echo \"${COMPREPLY[*]}\"; COMP_WORDS=(mlcalc throughput -g h100-s); COMP_CWORD=3; "
                              "_mlcalc; echo \"${COMPREPLY[*]}\"";
    std::ofstream(dir + "/probe.sh") << probe;
    FILE* p = ::popen(("bash " + dir + "/probe.sh").c_str(), "r");
    std::string out;
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p) ::pclose(p);
    CHECK(out.find("--optimizer") != std::string::npos);
    CHECK(out.find("h100-sxm") != std::string::npos);
    CHECK(out.find("a100") == std::string::npos);
  }
  // zsh and fish parse their scripts where they are installed; fish also answers a completion.
  const std::string dir = temp_dir("comp2");
  if (std::system("command -v zsh >/dev/null 2>&1") == 0) {
    std::ofstream(dir + "/_mlcalc") << mlc("completion zsh").out;
    CHECK(std::system(("zsh -n " + dir + "/_mlcalc").c_str()) == 0);
  }
  if (std::system("command -v fish >/dev/null 2>&1") == 0) {
    std::ofstream(dir + "/mlcalc.fish") << mlc("completion fish").out;
    CHECK(std::system(("fish -n " + dir + "/mlcalc.fish").c_str()) == 0);
    const std::string cmd = "fish -c 'source " + dir + "/mlcalc.fish; complete -C \"mlcalc vram train --lora-t\"' > " +
                            dir + "/fish.out 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
    CHECK(slurp(dir + "/fish.out").find("--lora-targets") != std::string::npos);
  }
  CHECK(mlc("completion tcsh").status == 2);
}

TEST_CASE("the man page lists every visible command and flag") {
  const auto r = mlc("man");
  REQUIRE(r.status == 0);
  CHECK(r.out.find(".TH MLCALC 1") != std::string::npos);
  for (const char* cmd : {"describe", "throughput", "vram train", "vram infer", "cost", "breakeven", "completion"})
    CHECK_MESSAGE(r.out.find(std::string(".SS \"mlcalc ") + cmd + "\"") != std::string::npos, cmd);
  CHECK(r.out.find("\\-\\-qlora") != std::string::npos);
  CHECK(r.out.find("HF_HUB_CACHE") != std::string::npos);
  CHECK(r.out.find("\\fB\\-\\-check\\fR\n") != std::string::npos);                // a flag: no value
  CHECK(r.out.find("\\fB\\-\\-lora\\-rank\\fR \\fIR\\fR") != std::string::npos);  // an option: its value
  CHECK(r.out.find(".SS \"mlcalc man\"") == std::string::npos);                   // hidden
  CHECK(mlc("--help").out.find(" man ") == std::string::npos);
}

TEST_CASE("--quiet keeps warnings out of stderr but in the JSON; repeated warnings fold") {
  const std::string q = "throughput -m llama-3.1-8b -g l4 --tp 2";  // l4 has no scale-up link: a warning
  const auto loud = mlc(q);
  REQUIRE(loud.status == 0);
  CHECK(loud.err.find("warning") != std::string::npos);
  const auto quiet = mlc(q + " --quiet");
  CHECK(quiet.status == 0);
  CHECK(quiet.err.empty());
  CHECK(!mlc(q + " -q --json").json()["warnings"].empty());
  CHECK(cli::fold_warnings({"a", "b", "a", "a"}) == std::vector<std::string>{"a (3 times)", "b"});
}

TEST_CASE("one set of workload defaults: 1024 in / 256 out across throughput, cost, breakeven, vram infer") {
  const auto t = mlc("throughput -m llama-3.1-8b -g h100-sxm --json").json();
  const auto c = mlc("cost -m llama-3.1-8b -g h100-sxm --gpu-price 2.5 --json").json();
  const auto b = mlc("breakeven -m llama-3.1-8b -g h100-sxm --gpu-price 2.5 --api-price 0.2/0.6 --json").json();
  for (const auto* j : {&t, &c, &b}) {
    CHECK((*j)["inputs"]["input"] == 1024);
    CHECK((*j)["inputs"]["output"] == 256);
  }
  const auto v = mlc("vram infer -m llama-3.1-8b -g h100-sxm --json").json();
  CHECK(v["inputs"]["context_tokens"] == 1024 + 256);
}

TEST_CASE("a usage error names the subcommand's help") {
  const auto r = mlc("vram train -m llama-3.1-8b --bogus");
  CHECK(r.status == 2);
  CHECK(r.err.find("Run 'mlcalc vram train --help'") != std::string::npos);
  CHECK(mlc("throughput --tp").err.find("Run 'mlcalc throughput --help'") != std::string::npos);
  CHECK(mlc("nosuch").err.find("Run 'mlcalc --help'") != std::string::npos);
}

TEST_CASE("a Hugging Face id not in the database is read from the local hub cache") {
  const std::string home = temp_dir("hf");
  const fs::path repo = fs::path(home) / "hub" / "models--Acme--Tiny-Llama";
  fs::create_directories(repo / "snapshots" / "old");
  fs::create_directories(repo / "snapshots" / "abc123");
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << "abc123";
  std::ofstream(repo / "snapshots" / "abc123" / "config.json") << kTinyLlama;
  std::ofstream(repo / "snapshots" / "old" / "config.json") << "{ not json";  // refs/main wins
  // TinyLlama 1.1B by hand: embeddings 2 x 32000 x 2048 = 131,072,000; per layer q, o 2048^2 each,
  // k, v 2048 x 256 each, MLP 3 x 2048 x 5632, two norms 2 x 2048: 44,044,288; x 22 + final norm
  // 2048 = 1,100,048,384 (TinyLlama's model card: 1.1B).
  auto r = mlc("describe acme/tiny-llama --json", "HF_HOME=" + home);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.json()["result"]["params_total"] == 1100048384);
  // HF_HUB_CACHE points at the hub folder itself and wins over HF_HOME.
  r = mlc("vram infer -m Acme/Tiny-Llama -g l4 --json", "HF_HUB_CACHE=" + home + "/hub");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.json()["inputs"]["model"] == "Acme/Tiny-Llama");
  // Not there: the error names the cache it looked in.
  r = mlc("describe acme/other-model", "HF_HUB_CACHE=" + home + "/hub");
  CHECK(r.status == 1);
  CHECK(r.err.find(home + "/hub") != std::string::npos);
  CHECK(!hf_cached_config("../../etc"));
}

TEST_CASE("LoRA trainable parameters by hand (Hu et al. 2021: r x (in + out) per adapted matrix)") {
  Database db;
  const Architecture& a = db.model("llama-2-70b").arch;
  // Llama-2-70B: hidden 8192, 64 heads, 8 KV heads of 128, MLP 28672, 80 layers. Rank 16:
  // q, o 16 x (8192 + 8192) = 262,144 each; k, v 16 x (8192 + 1024) = 147,456 each;
  // gate, up, down 16 x (8192 + 28672) = 589,824 each: 2,588,672 per layer, x 80 = 207,093,760.
  CHECK(lora_params(a, 16, kLoraAllLinear) == 207093760.0);
  CHECK(lora_params(a, 16, kLoraQ | kLoraV) == 80.0 * (262144 + 147456));
  CHECK(lora_params(a, 32, kLoraAllLinear) == 2 * 207093760.0);
  // NF4 + double quantization: 4.127 bits per parameter (QLoRA sec. 3).
  CHECK(kNf4DoubleQuantBytes * 8 == doctest::Approx(4.127).epsilon(1e-3));
}

TEST_CASE("vram train --lora-rank / --qlora: frozen base, trainable adapters, JSON trainable_params") {
  const std::string base = "vram train -m llama-2-70b -g l40s --num-gpus 1 --micro-batch 1 --seq 512 --recompute full";
  const auto full = mlc(base + " --json").json()["result"];
  CHECK(full["trainable_params"] == full["params"]);
  const auto q = mlc(base + " --qlora --lora-rank 16 --json").json();
  const auto& r = q["result"];
  CHECK(r["trainable_params"] == 207093760);
  CHECK(q["inputs"]["qlora"] == true);
  // Adapters train with 2 + 2 + 12 bytes per parameter (bf16 weights and gradients, fp32 master, m, v).
  CHECK(r["per_gpu"]["gradients_bytes"].get<double>() == doctest::Approx(2.0 * 207093760));
  CHECK(r["per_gpu"]["optimizer_bytes"].get<double>() == doctest::Approx(12.0 * 207093760));
  // Base: NF4-DQ on every linear, 16-bit embedding and LM head (2 x 32000 x 8192).
  const double params = r["params"].get<double>(), embed = 2.0 * 32000 * 8192;
  CHECK(r["per_gpu"]["frozen_weights_bytes"].get<double>() ==
        doctest::Approx((params - embed) * kNf4DoubleQuantBytes + embed * 2));
  // Dettmers et al. 2023 (abstract): QLoRA fine-tunes a 65B model on one 48 GB GPU; 70B at rank
  // 16 and a short sequence fits the 48 GB L40S too, 16-bit LoRA does not.
  CHECK(r["fits"] == true);
  CHECK(mlc(base + " --lora-rank 16 --json").json()["result"]["fits"] == false);
  CHECK(mlc(base + " --qlora --lora-rank 16 --check").status == 0);
  // The breakdown sums to the total.
  const auto& g = r["per_gpu"];
  CHECK(g["total_bytes"].get<double>() ==
        doctest::Approx(g["weights_bytes"].get<double>() + g["gradients_bytes"].get<double>() +
                        g["optimizer_bytes"].get<double>() + g["activations_bytes"].get<double>() +
                        g["logits_bytes"].get<double>() + g["other_bytes"].get<double>()));
  // --qlora alone takes the paper's r = 64.
  CHECK(mlc(base + " --qlora --json").json()["inputs"]["lora_rank"] == 64);
  CHECK(mlc(base + " --qlora --lora-rank 16").out.find("QLoRA: rank 16 on all-linear") != std::string::npos);
}

TEST_CASE("QLoRA paper: LLaMA-65B fine-tunes on one 48 GB GPU (Dettmers et al. 2023, abstract and sec. 1)") {
  // LLaMA-65B (Touvron et al. 2023, Table 2): dim 8192, 64 heads, 80 layers, FFN 22016, vocab 32000.
  const std::string dir = temp_dir("llama65b");
  std::ofstream(dir + "/config.json")
      << R"({"model_type": "llama", "hidden_size": 8192, "intermediate_size": 22016, "num_hidden_layers": 80,
             "num_attention_heads": 64, "num_key_value_heads": 64, "vocab_size": 32000,
             "max_position_embeddings": 2048, "tie_word_embeddings": false})";
  // The paper's recipe: r = 64 on all linear layers, gradient checkpointing, micro-batch 1.
  const std::string cmd = "vram train -m " + dir + " -g rtx-6000-ada --qlora --seq 512 --recompute full --json";
  const auto r = mlc(cmd);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.json()["result"]["fits"] == true);
  const double gib = r.json()["result"]["per_gpu"]["total_bytes"].get<double>() / (1024.0 * 1024 * 1024);
  CHECK(gib > 30);  // 65e9 x 0.516 B = 33.5 GB of base weights alone
  CHECK(gib < 48);  // the 48 GB (49,140 MiB) RTX 6000 Ada
}

TEST_CASE("LoRA bad input") {
  const std::string base = "vram train -m llama-3.1-8b ";
  CHECK(mlc(base + "--lora-targets q,v").status == 2);                 // no rank
  CHECK(mlc(base + "--lora-rank 8 --lora-targets q,vv").status == 2);  // typo
  CHECK(mlc(base + "--lora-rank 8 --lora-targets q,vv").err.find("did you mean") != std::string::npos);
  CHECK(mlc(base + "--lora-rank 0").status == 2);
  CHECK(mlc("vram train --params 7e9 --qlora").status == 2);  // no architecture
  CHECK(mlc(base + "--lora-rank 8 --zero 3 --num-gpus 16 --formula deepspeed").status == 2);
  const auto ok = mlc(base + "--lora-rank 8 --lora-targets q,v --json");
  REQUIRE(ok.status == 0);
  // Llama-3.1-8B: 32 layers, q 8 x (4096 + 4096), v 8 x (4096 + 1024): 32 x (65,536 + 40,960) = 3,407,872.
  CHECK(ok.json()["result"]["trainable_params"] == 3407872);
}

TEST_CASE("every --help example runs and is shown in its command's help") {
  const std::string dir = temp_dir("examples");
  for (const auto& [path, list] : cli::help_examples()) {
    CHECK(mlc(path + " --help").out.find(list.front()) != std::string::npos);
    for (std::string e : list) {
      e = e.substr(0, e.find('#'));
      REQUIRE(e.rfind("mlcalc ", 0) == 0);
      e = e.substr(7);
      if (const size_t p = e.find("--plot "); p != std::string::npos) e.replace(p, 7, "--plot " + dir + "/");
      if (const size_t p = e.find("timings.csv"); p != std::string::npos)
        e.replace(p, 11, std::string(MLCALC_SOURCE_DIR) + "/examples/kernel-timings.csv");
      // card: the files its examples name are shipped examples; the card goes to the scratch directory.
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"--out README.md", "--out " + dir + "/README.md"},
               {"results.json", std::string(MLCALC_SOURCE_DIR) + "/examples/card-results.json"},
               {"eval.json", std::string(MLCALC_SOURCE_DIR) + "/examples/card-eval.json"},
               {"card-info.toml", std::string(MLCALC_SOURCE_DIR) + "/examples/card-info.toml"},
               {"./checkpoint", std::string(MLCALC_SOURCE_DIR) + "/tests/fixtures/card-tiny"}})
        if (const size_t p = e.find(" " + from); p != std::string::npos) e.replace(p + 1, from.size(), to);
      const auto r = mlc(e);
      CHECK_MESSAGE(r.status == 0, e << "\n" << r.err);
    }
  }
}

TEST_CASE("describe without --context: KV per token and one sequence at the model's max context") {
  // Llama-3.1-8B: 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 131,072 B/token; x 131,072 = 16 GiB.
  const auto r = mlc("describe llama-3.1-8b");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("131,072 B/token; 16.00 GiB per sequence at the max context 131,072") != std::string::npos);
  const auto j = mlc("describe llama-3.1-8b --json").json()["result"];
  CHECK(j["kv_cache_bytes_at_max_context"].get<double>() == 131072.0 * 131072);
  CHECK(mlc("describe llama-3.1-8b --context 8192 --json").json()["result"]["kv_cache_bytes_at_max_context"].is_null());
}

TEST_CASE("tables fit $COLUMNS: wide columns leave, notes wrap, --wide keeps everything") {
  auto longest = [](const std::string& s) {
    size_t m = 0, at = 0;
    for (size_t p = 0; p <= s.size(); ++p)
      if (p == s.size() || s[p] == '\n') m = std::max(m, mlcalc::text_width(s.substr(at, p - at))), at = p + 1;
    return m;
  };
  const std::string q = "throughput -m llama-3.1-8b -g h100-sxm --batch 1,8,64 -q";
  const auto narrow = mlcalc::test::mlcalc(q, "COLUMNS=80");
  REQUIRE(narrow.status == 0);
  // The title line may run long; every table line and wrapped note fits 80 characters.
  std::string body = narrow.out.substr(narrow.out.find('\n') + 1);
  CHECK(longest(body) <= 80);
  CHECK(narrow.out.find("columns left out to fit 80 characters") != std::string::npos);
  CHECK(narrow.out.find("KV/GPU (GiB)") != std::string::npos);  // named in the note
  CHECK(narrow.out.find("TPOT (ms)") != std::string::npos);     // the answer columns stay
  CHECK(narrow.out.find("out tok/s/GPU") != std::string::npos);
  const auto wide = mlcalc::test::mlcalc(q + " --wide", "COLUMNS=80");
  CHECK(wide.out.find("left out") == std::string::npos);
  CHECK(longest(wide.out) > 80);
  // No COLUMNS and not a terminal (a pipe, a file): every column, as before.
  const auto piped = mlcalc::test::mlcalc(q);
  CHECK(piped.out == wide.out);
  // A bad COLUMNS is ignored (no limit), never a crash.
  CHECK(mlcalc::test::mlcalc(q, "COLUMNS=abc").out == wide.out);
  CHECK(mlcalc::test::mlcalc(q, "COLUMNS=5").out == wide.out);
}

TEST_CASE("wrap: words move to the next line at the width, indented") {
  CHECK(mlcalc::wrap("aaa bbb ccc", 0, "note: ", "      ") == "note: aaa bbb ccc\n");
  CHECK(mlcalc::wrap("aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd", 40, "note: ", "      ") ==
        "note: aaaaaaaaaa bbbbbbbbbb cccccccccc\n      dddddddddd\n");
}

TEST_CASE("the answer first: vram infer's fit and max sequences, throughput's serving point") {
  const auto v = mlcalc::test::mlcalc("vram infer -m llama-3.1-8b -g h100-sxm --context 8192 -q");
  REQUIRE(v.status == 0);
  CHECK(v.out.find("most sequences at 8,192 tokens") < v.out.find("weights"));
  const auto t = mlcalc::test::mlcalc("throughput -m llama-3.1-8b -g h100-sxm --concurrency 16 -q");
  REQUIRE(t.status == 0);
  CHECK(t.out.find("Serving at steady state") < t.out.find("TPOT (ms)  e2e"));
}

TEST_CASE("--plot for plan: one Pareto front per GPU, the cheapest plan marked") {
  const std::string dir = temp_dir("plot-plan");
  auto p = mlc("plan -m llama-3.1-8b --request-rate 5 --gpus h100-sxm,l40s --tpot-slo 50ms --format json --plot " +
               dir + "/p.svg");
  REQUIRE_MESSAGE(p.status == 0, p.err);
  const std::string s = slurp(dir + "/p.svg");
  CHECK(balanced_xml(s));
  CHECK(s.find("Pareto fronts per GPU") != std::string::npos);
  const auto j = p.json();
  // Every GPU with a front is a series named by its id, and the cheapest plan's GPU is in the mark.
  for (const auto& f : j["result"]["pareto"]) CHECK(s.find(f["gpu"].get<std::string>()) != std::string::npos);
  const std::string cheapest = j["result"]["configs"][0]["gpu"].get<std::string>();
  CHECK(s.find("cheapest: " + cheapest) != std::string::npos);
  // Points: one circle per frontier point (the mark is a diamond).
  size_t points = 0;
  for (const auto& f : j["result"]["pareto"]) points += f["points"].size();
  CHECK(count(s, "<circle") == points);
}
