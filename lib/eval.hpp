// `mlcalc eval`: the pure part. Suite items and their checks, refusal detection, and the
// scorecard of one endpoint (accuracy by check kind, refusal rate, TTFT / inter-token latency
// percentiles, tokens/s, errors, cost) from per-request outcomes. The network is in lib/io.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlcalc {

enum class CheckKind { exact, regex, contains, numeric, refuse, answer };
const char* check_name(CheckKind k);
/// "exact", "regex", "contains", "numeric", "refuse" ("should_refuse"), "answer" ("should_answer").
std::optional<CheckKind> parse_check(const std::string& s);

/// One suite line.
struct EvalItem {
  std::string id;
  std::string prompt;                                         ///< completions-style prompt
  std::vector<std::pair<std::string, std::string>> messages;  ///< chat messages (role, content)
  CheckKind check = CheckKind::answer;
  std::string expected;  ///< exact / contains / regex text, numeric value
  double tolerance = 0;  ///< numeric: absolute tolerance
  int max_tokens = 0;    ///< 0 = the command's default
};

/// What one request gave.
struct EvalOutcome {
  std::string id;
  CheckKind check = CheckKind::answer;
  bool completed = false;     ///< a full answer arrived
  std::string error;          ///< error kind when not completed (http_500, timeout, malformed_stream, ...)
  std::string detail;         ///< its message
  int attempts = 0;           ///< 1 + retries
  double ttft_s = 0;          ///< request start to the first content token
  std::vector<double> itl_s;  ///< gaps between content chunks after the first
  double e2e_s = 0;
  double prompt_tokens = 0, completion_tokens = 0;
  bool usage_reported = false;  ///< token counts from the server's `usage` (else chunks counted)
  std::string text;
  bool correct = false, refused = false;
};

/// The refusal phrases used when none are given (case-insensitive substrings; README "eval").
const std::vector<std::string>& default_refusal_patterns();
bool is_refusal(const std::string& text, const std::vector<std::string>& patterns);
/// Whether `text` passes the item's check (refuse/answer use `refused`). Throws Error for an
/// invalid regex (the suite loader checks them first).
bool passes(const EvalItem& item, const std::string& text, bool refused);

/// Percentile `p` in [0, 100] by linear interpolation between order statistics (Hyndman and Fan
/// 1996 definition 7, numpy's default); nullopt for no values.
std::optional<double> percentile(std::vector<double> v, double p);

/// One endpoint's scorecard.
struct Scorecard {
  std::string endpoint, model;
  long requests = 0, completed = 0, retries = 0;
  std::optional<double> accuracy, refusal_rate;
  std::map<std::string, std::pair<long, long>> by_kind;  ///< check kind -> (correct, completed)
  std::optional<double> ttft_p50, ttft_p90, ttft_p99, itl_p50, itl_p90, itl_p99, e2e_p50;
  std::optional<double> output_tokens_per_s;          ///< aggregate: completion tokens / wall time
  std::optional<double> output_tokens_per_s_request;  ///< median per request: tokens / (e2e - TTFT)
  double prompt_tokens = 0, completion_tokens = 0;
  bool usage_complete = true;  ///< every completed request reported usage
  std::map<std::string, long> errors;
  std::optional<double> usd_per_1k_requests;  ///< nullopt: no price
  double wall_s = 0;
  bool interrupted = false;
};

/// mlcalc's own prediction for the deployment behind an endpoint (`--predict GPU`).
struct EvalPrediction {
  std::string model, gpu, engine;
  int tp = 1;
  double concurrency = 1, input = 0, output = 0;
  double ttft_s = 0, tpot_s = 0;
  bool fits = true;
};

/// What `eval` reports: one scorecard per endpoint, side by side.
struct EvalReport {
  std::string suite;
  long suite_items = 0;
  std::vector<Scorecard> endpoints;
  std::vector<std::optional<EvalPrediction>> predicted;  ///< per endpoint
  std::vector<std::string> refusal_patterns;
  double concurrency = 1;
  std::string out_path;
  std::vector<std::string> warnings;
};

/// The scorecard of `outcomes` over `wall_s` seconds; prices in USD per million tokens (< 0:
/// unknown, so no cost).
Scorecard score(const std::string& endpoint, const std::string& model, const std::vector<EvalOutcome>& outcomes,
                double wall_s, double usd_per_m_in, double usd_per_m_out);

}  // namespace mlcalc
