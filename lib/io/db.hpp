// The databases: hardware-db/ and model-db/ embedded in the binary, plus the user's own
// TOML files (--db DIR, MLCALC_DB). Files are parsed only when an entry is needed.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../hardware.hpp"
#include "../model.hpp"
#include "../prices.hpp"

namespace mlcalc {

/// A model with its provenance.
struct ModelEntry {
  std::string id, name, file;  ///< file = where it was read from
  std::vector<std::string> hf_ids;
  std::string as_of, source, stated_source, params_note;
  double stated_total = 0, stated_active = 0;  ///< officially stated counts (0 = unknown)
  double params_tolerance = 0.01;
  std::vector<std::string> notes;
  Architecture arch;
};

enum class EntryKind { gpu, interconnect, model, gpu_prices, api_prices };

class Database {
 public:
  /// `user_dirs` override the shipped entries, later ones over earlier ones. The shipped entries
  /// are the installed files under <prefix>/share/mlcalc when the binary runs from <prefix>/bin
  /// (so edits there take effect), else the copies compiled into the binary; `builtin` false
  /// leaves them out (a frozen test database, or only your own entries).
  explicit Database(const std::vector<std::string>& user_dirs = {}, bool builtin = true);
  ~Database();

  const Gpu& gpu(const std::string& name);
  const Interconnect& interconnect(const std::string& name);
  /// A database name, a Hugging Face id, or a path to a config.json / a directory holding one.
  const ModelEntry& model(const std::string& name_or_path);

  /// Ids of one kind, sorted.
  std::vector<std::string> ids(EntryKind kind) const;
  std::vector<GpuOffer> gpu_offers();
  std::vector<ApiOffer> api_offers();

  /// Notes gathered while loading (assumed defaults and the like).
  std::vector<std::string> warnings;
  /// --download: a Hugging Face id found neither here nor in the local cache is fetched
  /// (config.json only, from $HF_ENDPOINT with $HF_TOKEN); never by default.
  bool download = false;
  /// config.json files fetched so far (a --download that fetched nothing says so).
  int downloads = 0;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a model from a config.json file or a directory that holds one.
ModelEntry model_from_config_path(const std::string& path, std::vector<std::string>& warnings);

/// The local Hugging Face hub cache as huggingface_hub lays it out: $HF_HUB_CACHE, else
/// $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::string hf_hub_cache_dir();
/// The config.json of `repo_id` ("org/name") in the hub cache: models--org--name/snapshots/
/// <the commit refs/main names, else the newest snapshot>/config.json; nullopt when absent.
/// Nothing is downloaded.
std::optional<std::string> hf_cached_config(const std::string& repo_id);

/// Fetches `repo_id`'s config.json from the Hub: GET $HF_ENDPOINT/ORG/NAME/resolve/main/config.json
/// (the URL huggingface_hub's hf_hub_url builds; HF_ENDPOINT defaults to https://huggingface.co),
/// with "Authorization: Bearer $HF_TOKEN" when set. Returns the text; throws Error saying why not
/// (no such repository, gated without a token, unreachable). Nothing is written to disk.
std::string hf_fetch_config(const std::string& repo_id);
std::string hf_hub_config_url(const std::string& repo_id);

/// Reads a model from config.json text; `file` names it in messages and as its source.
ModelEntry model_from_config_text(const std::string& text, const std::string& file, std::vector<std::string>& warnings);

/// Loads and checks every entry (used by the tests); throws on the first bad file.
void load_everything(Database& db);

}  // namespace mlcalc
