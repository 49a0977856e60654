// HTTP over libcurl (the one network client: `mlcalc eval` and `--download`). Nothing else in
// mlcalc touches the network, and nothing does unless a command is asked to.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace mlcalc {

struct HttpRequest {
  std::string method = "GET";  ///< GET or POST
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;
  double timeout_s = 60;  ///< whole request
  double connect_timeout_s = 10;
};

struct HttpResponse {
  long status = 0;         ///< HTTP status (0: no response)
  std::string body;        ///< the body when no `on_data` was given
  std::string error;       ///< transport error (curl's message), empty when a response came
  std::string error_kind;  ///< "connect", "timeout", "tls", "dns", "transport" (empty when a response came)
};

/// Performs `req`. `on_data`, when given, receives the body as it arrives (return false to abort).
/// Never throws for network trouble: the response says what happened.
HttpResponse http_request(const HttpRequest& req, const std::function<bool(const char*, size_t)>& on_data = {});

}  // namespace mlcalc
