#include "http.hpp"

#include <curl/curl.h>
#include <mutex>

namespace mlcalc {

namespace {

struct Sink {
  const std::function<bool(const char*, size_t)>* on_data;
  std::string* body;
};

size_t write_cb(char* ptr, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t bytes = size * n;
  if (*s->on_data) return (*s->on_data)(ptr, bytes) ? bytes : 0;
  if (s->body->size() + bytes > (size_t(64) << 20)) return 0;  // 64 MiB is no API answer
  s->body->append(ptr, bytes);
  return bytes;
}

const char* kind_of(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return "tls";
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return "bad_url";
    default:
      return "transport";
  }
}

}  // namespace

HttpResponse http_request(const HttpRequest& req, const std::function<bool(const char*, size_t)>& on_data) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpResponse r;
  CURL* h = curl_easy_init();
  if (!h) {
    r.error = "cannot start libcurl", r.error_kind = "transport";
    return r;
  }
  curl_slist* headers = nullptr;
  for (const auto& x : req.headers) headers = curl_slist_append(headers, x.c_str());
  Sink sink{&on_data, &r.body};
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout_s * 1000));
  curl_easy_setopt(h, CURLOPT_USERAGENT, "mlcalc");
  if (req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  const CURLcode c = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  if (c != CURLE_OK && !(c == CURLE_WRITE_ERROR && r.status > 0 && on_data)) {
    r.error = err[0] ? err : curl_easy_strerror(c);
    r.error_kind = kind_of(c);
    if (c == CURLE_WRITE_ERROR) r.error_kind = "aborted";
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return r;
}

}  // namespace mlcalc
