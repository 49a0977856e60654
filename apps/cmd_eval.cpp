// mlcalc eval --endpoint URL --model NAME: a small suite against OpenAI-compatible endpoints,
// streamed so that latency is measured per request; a scorecard per endpoint, side by side.
#include <atomic>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "io/eval_client.hpp"
#include "io/toml_keys.hpp"
#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct EvalOptions {
  std::vector<std::string> endpoints, refusal_patterns;
  std::string model, suite, api_key_env, out, api = "chat", predict, predict_model;
  double concurrency = 1, max_tokens = 256, price_in = -1, price_out = -1, timeout_s = 120;
  int tp = 1, retries = 3;
  bool resume = false, strict = false;
};

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) {
  g_stop.store(true);
}

// Outcomes already in --out for this endpoint (--resume): they count, and are not sent again.
std::vector<EvalOutcome> previous(const std::string& path, const std::string& endpoint) {
  std::vector<EvalOutcome> out;
  std::ifstream f(path);
  std::string line;
  size_t n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      throw Error(fmt::format("{}:{}: not a JSON line (--resume reads what eval wrote)", path, n));
    }
    if (!j.is_object() || j.value("endpoint", "") != endpoint) continue;
    EvalOutcome o;
    o.id = j.value("id", "");
    o.check = parse_check(j.value("check", "answer")).value_or(CheckKind::answer);
    o.completed = j.value("completed", false);
    o.error = j.value("error", "");
    o.attempts = j.value("attempts", 1);
    o.ttft_s = j.value("ttft_s", 0.0);
    o.e2e_s = j.value("e2e_s", 0.0);
    if (j.contains("itl_s") && j["itl_s"].is_array())
      for (const auto& x : j["itl_s"])
        if (x.is_number()) o.itl_s.push_back(x.get<double>());
    o.prompt_tokens = j.value("prompt_tokens", 0.0);
    o.completion_tokens = j.value("completion_tokens", 0.0);
    o.usage_reported = j.value("usage_reported", false);
    o.text = j.value("text", "");
    o.correct = j.value("correct", false);
    o.refused = j.value("refused", false);
    out.push_back(o);
  }
  return out;
}

nlohmann::json line_of(const std::string& endpoint, const std::string& model, const EvalOutcome& o) {
  return {{"endpoint", endpoint},
          {"model", model},
          {"id", o.id},
          {"check", check_name(o.check)},
          {"completed", o.completed},
          {"error", o.error},
          {"detail", o.detail},
          {"attempts", o.attempts},
          {"ttft_s", o.ttft_s},
          {"itl_s", o.itl_s},
          {"e2e_s", o.e2e_s},
          {"prompt_tokens", o.prompt_tokens},
          {"completion_tokens", o.completion_tokens},
          {"usage_reported", o.usage_reported},
          {"correct", o.correct},
          {"refused", o.refused},
          {"text", o.text}};
}

void run_eval(Context& ctx, const EvalOptions& o) {
  EvalReport rep;
  rep.concurrency = o.concurrency;
  rep.out_path = o.out;
  // The suite: a file, or the shipped default.
  Suite suite = o.suite.empty() ? parse_suite("default", default_suite_text(), true)
                                : parse_suite(o.suite, read_text_file(o.suite), o.strict);
  for (const auto& s : suite.skipped) ctx.warn(s + " (skipped; --strict stops instead)");
  rep.suite = suite.name;
  rep.suite_items = static_cast<long>(suite.items.size());
  ClientOptions c;
  c.model = o.model;
  c.chat = o.api == "chat";
  c.max_tokens = static_cast<int>(o.max_tokens);
  c.retries = o.retries;
  c.timeout_s = o.timeout_s;
  c.refusal_patterns = o.refusal_patterns.empty() ? default_refusal_patterns() : o.refusal_patterns;
  rep.refusal_patterns = c.refusal_patterns;
  if (!o.api_key_env.empty()) {
    const char* k = std::getenv(o.api_key_env.c_str());
    if (!k || !*k) throw Error("--api-key-env " + o.api_key_env + ": that environment variable is not set");
    c.api_key = k;
  }
  if (o.predict.empty() && (o.tp != 1 || !o.predict_model.empty()))
    throw Error("--tp and --predict-model describe the --predict deployment: give --predict GPU", ErrorKind::usage);
  if ((o.price_in >= 0) != (o.price_out >= 0))
    throw Error("give both --price-in and --price-out (USD per million tokens)", ErrorKind::usage);
  if (o.price_in < 0) ctx.warn("no --price-in/--price-out: the cost column is unknown");

  std::ofstream out_file;
  std::mutex out_mu;
  if (!o.out.empty()) {
    out_file.open(o.out, std::ios::app);
    if (!out_file) throw Error("--out: cannot write '" + o.out + "'");
  }
  if (o.resume && o.out.empty()) throw Error("--resume needs --out (the file of finished requests)", ErrorKind::usage);

  g_stop.store(false);
  auto old = std::signal(SIGINT, on_sigint);
  for (const std::string& endpoint : o.endpoints) {
    c.base_url = endpoint;
    if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0)
      throw Error("--endpoint '" + endpoint + "' must start with http:// or https://", ErrorKind::usage);
    std::vector<EvalOutcome> outcomes = o.resume ? previous(o.out, endpoint) : std::vector<EvalOutcome>{};
    std::set<std::string> done;
    for (const auto& x : outcomes) done.insert(x.id);
    std::vector<const EvalItem*> todo;
    for (const auto& it : suite.items)
      if (!done.count(it.id)) todo.push_back(&it);
    if (o.resume && !outcomes.empty())
      ctx.warn(fmt::format("{}: {} requests already in {} (resumed; {} to send)", endpoint, outcomes.size(), o.out,
                           todo.size()));
    std::atomic<size_t> next{0};
    std::mutex mu;
    const auto t0 = std::chrono::steady_clock::now();
    auto worker = [&] {
      for (;;) {
        if (g_stop.load()) return;
        const size_t i = next++;
        if (i >= todo.size()) return;
        EvalOutcome r = run_item(c, *todo[i], g_stop);
        if (r.error == "interrupted") return;
        if (out_file.is_open()) {
          std::lock_guard<std::mutex> lock(out_mu);
          out_file << line_of(endpoint, o.model, r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                   << "\n";
          out_file.flush();
        }
        std::lock_guard<std::mutex> lock(mu);
        outcomes.push_back(std::move(r));
      }
    };
    std::vector<std::thread> threads;
    const int n = static_cast<int>(std::min<double>(o.concurrency, std::max<size_t>(1, todo.size())));
    for (int k = 0; k < n; ++k) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Scorecard s = score(endpoint, o.model, outcomes, wall, o.price_in, o.price_out);
    s.interrupted = g_stop.load();
    if (s.interrupted)
      ctx.warn(fmt::format("interrupted: the scorecard of {} covers the {} of {} requests that finished", endpoint,
                           outcomes.size(), suite.items.size()));
    if (s.completed > 0 && !s.usage_complete)
      ctx.warn(endpoint + ": the server did not report usage for every request: tokens counted as stream chunks");
    for (const auto& [kind, count] : s.errors)
      ctx.warn(fmt::format("{}: {} requests failed: {}", endpoint, count, kind));
    // mlcalc's prediction for the deployment serving it, at the measured token counts.
    std::optional<EvalPrediction> pred;
    if (!o.predict.empty() && s.completed > 0) {
      DeploymentOptions d;
      d.model = o.predict_model.empty() ? o.model : o.predict_model;
      d.gpu = o.predict;
      d.tp = o.tp;
      const Deployment dep = make_deployment(ctx, d);
      ThroughputQuery q;
      q.input = std::max(1.0, std::round(s.prompt_tokens / s.completed));
      q.output = std::max(1.0, std::round(s.completion_tokens / s.completed));
      q.serve = true;
      q.concurrency = o.concurrency;
      const ThroughputReport tr = evaluate_throughput(dep, q);
      EvalPrediction p;
      p.model = dep.arch->id, p.gpu = dep.gpu->id, p.engine = dep.engine, p.tp = dep.tp;
      p.concurrency = o.concurrency, p.input = q.input, p.output = q.output;
      if (tr.serving) p.ttft_s = tr.serving->ttft_s, p.tpot_s = tr.serving->tpot_s, p.fits = tr.serving->fits;
      pred = p;
    }
    rep.endpoints.push_back(s);
    rep.predicted.push_back(pred);
    if (g_stop.load()) break;
  }
  std::signal(SIGINT, old);
  ctx.emit(to_document(rep));
}

}  // namespace

Command eval_command() {
  auto o = std::make_shared<EvalOptions>();
  return {
      "eval", "a small evaluation suite against OpenAI-compatible endpoints: quality, latency, cost, refusals",
      [o](CLI::App& sub) {
        sub.add_option("--endpoint", o->endpoints,
                       "base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 (repeatable: side "
                       "by side)")
            ->required();
        sub.add_option("--model", o->model, "model name the endpoint serves")->required();
        sub.add_option("--suite", o->suite, "JSONL suite (README \"eval\"; default: the shipped suite)")
            ->type_name("FILE.jsonl");
        sub.add_flag("--strict", o->strict, "stop at a bad suite line (default: report it and go on)");
        sub.add_option("--api", o->api, "chat (/chat/completions, default) or completions")
            ->check(CLI::IsMember({"chat", "completions"}));
        sub.add_option("--api-key-env", o->api_key_env, "environment variable holding the API key")->type_name("NAME");
        add_count(sub, "--concurrency", o->concurrency, "requests in flight (default 1)", 1024);
        sub.add_option("--retries", o->retries, "retries on 429/5xx/transport errors, with backoff (default 3)")
            ->check(CLI::Range(0, 20));
        add_count(sub, "--max-tokens", o->max_tokens, "max_tokens per request (default 256)", 1000000);
        add_duration(sub, "--timeout", o->timeout_s, "per-request timeout (default 120s)");
        add_real(sub, "--price-in", o->price_in, "USD per million prompt tokens", 0, 1e6);
        add_real(sub, "--price-out", o->price_out, "USD per million completion tokens", 0, 1e6);
        sub.add_option("--refusal-pattern", o->refusal_patterns,
                       "a phrase that marks a refusal (repeatable; replaces the default list)");
        sub.add_option("--out", o->out, "append each request's result as a JSON line as it completes")
            ->type_name("FILE.jsonl");
        sub.add_flag("--resume", o->resume, "skip the ids already in --out (and count them)");
        sub.add_option("--predict", o->predict, "GPU of the deployment: mlcalc's predicted TTFT/TPOT beside")
            ->type_name("GPU");
        sub.add_option("--predict-model", o->predict_model, "model for --predict (default --model)");
        sub.add_option("--tp", o->tp, "tensor parallelism of the --predict deployment (default 1)")
            ->check(CLI::Range(1, 1024));
      },
      [o](Context& ctx) { run_eval(ctx, *o); }};
}

}  // namespace mlcalc::cli
