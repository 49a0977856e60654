// `mlcalc eval`'s edges: the JSONL suite reader (and the default suite), and one request to an
// OpenAI-compatible server, streamed (SSE) so that TTFT and inter-token gaps are measured, with
// bounded retries on 429/5xx. Every failure is a recorded error kind, never an exception.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "../eval.hpp"

namespace mlcalc {

struct Suite {
  std::string name;  ///< file path, or "default"
  std::vector<EvalItem> items;
  std::vector<std::string> skipped;  ///< "file:line: why" for lines left out (non-strict)
};

/// The default suite shipped in the binary (examples/eval-suite.jsonl holds the same lines).
const std::string& default_suite_text();
/// Parses JSONL `text` from `path`. A bad line is an Error naming path:line with `strict`, else
/// it is skipped and listed. Ids must be unique; checks and regexes are validated here.
Suite parse_suite(const std::string& path, const std::string& text, bool strict);

struct ClientOptions {
  std::string base_url;  ///< ".../v1" (or a full .../chat/completions or .../completions URL)
  std::string model;
  std::string api_key;  ///< empty: no Authorization header
  bool chat = true;     ///< /chat/completions with messages, else /completions with a prompt
  int max_tokens = 256;
  double temperature = 0;
  double timeout_s = 120;
  int retries = 3;          ///< on 429, 5xx and transport errors
  double backoff_s = 0.25;  ///< first wait; doubles each retry
  std::vector<std::string> refusal_patterns;
};

/// Sends `item` and measures it. `stop` aborts (Ctrl-C): the outcome is "interrupted".
EvalOutcome run_item(const ClientOptions& o, const EvalItem& item, const std::atomic<bool>& stop);

/// The endpoint URL a request goes to.
std::string request_url(const ClientOptions& o);

}  // namespace mlcalc
