#include "db.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "../common.hpp"
#include "embedded.hpp"
#include "hf_config.hpp"
#include "http.hpp"
#include "toml_keys.hpp"

namespace fs = std::filesystem;

namespace mlcalc {

namespace {

// ---- strict TOML reading ---------------------------------------------------------------

/// Reads keys of one table, remembering which were used; unknown keys are problems.
/// Problems are collected and reported together (mold's Error(ctx) + checkpoint()).
struct TomlTable : TomlKeys {
  using TomlKeys::TomlKeys;
  std::string str(const char* k, bool required = false) {
    const toml::node* n = get(k, required);
    if (!n) return {};
    if (auto v = n->value<std::string>(); v && n->is_string()) return *v;
    bad(*n, k, "must be a string");
    return {};
  }
  // A positive finite number (0 is rejected: the schema says omit an absent value).
  double num(const char* k, bool required = false, double lo = 0, double hi = 1e30) {
    const toml::node* n = get(k, required);
    if (!n) return 0;
    if (!n->is_number()) {
      bad(*n, k, "must be a number");
      return 0;
    }
    try {
      return checked_real(n->value<double>().value_or(0), lo, hi, "");
    } catch (const Error& e) {
      bad(*n, k, "is out of range:" + std::string(e.what()));
      return 0;
    }
  }
  std::vector<std::string> strs(const char* k) {
    const toml::node* n = get(k, false);
    std::vector<std::string> r;
    if (!n) return r;
    if (const auto* a = n->as_array()) {
      for (const auto& e : *a) {
        if (auto s = e.value<std::string>(); s && e.is_string())
          r.push_back(*s);
        else
          bad(e, k, "must be a list of strings");
      }
    } else {
      bad(*n, k, "must be a list of strings");
    }
    return r;
  }
};

nlohmann::json to_json(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (auto&& [k, v] : *t) j[std::string(k.str())] = to_json(v);
    return j;
  }
  if (const auto* a = n.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(to_json(v));
    return j;
  }
  if (n.is_integer()) return *n.value<int64_t>();
  if (n.is_floating_point()) return *n.value<double>();
  if (n.is_boolean()) return *n.value<bool>();
  if (n.is_string()) return *n.value<std::string>();
  return nlohmann::json();  // dates/times: not used in configs
}

std::string stem_of(const std::string& path) {
  return lower(fs::path(path).stem().string());
}

// ---- entry parsers --------------------------------------------------------------------

Gpu parse_gpu(const std::string& path, const toml::table& t) {
  std::vector<std::string> problems;
  TomlTable r{path, t, problems};
  Gpu g;
  g.id = r.str("id", true);
  g.name = r.str("name", true);
  g.vendor = r.str("vendor", true);
  g.aliases = r.strs("aliases");
  for (auto& a : g.aliases) a = lower(a);
  g.launch = r.str("launch");
  g.memory_bytes = r.num("memory_gib", true, 0, 1e5) * kGiB;
  g.memory_bw_bytes_per_s = r.num("memory_bandwidth_tb_s", true, 0, 1e3) * kTera;
  g.tdp_w = r.num("tdp_w", false, 0, 1e5);
  g.scale_up_id = lower(r.str("scale_up"));
  g.scale_up_domain = static_cast<int>(r.count("scale_up_domain", false, 1, 1000000).value_or(0));
  g.host_link_id = lower(r.str("host_link"));
  g.scale_out_id = lower(r.str("scale_out"));
  g.smem_per_sm_bytes = r.num("shared_memory_per_sm_kib", false, 0, 1e5) * 1024;
  g.l1_smem_per_sm_bytes = r.num("l1_shared_per_sm_kib", false, 0, 1e5) * 1024;
  g.smem_source = r.str("shared_memory_source");
  if (g.smem_per_sm_bytes > 0 && g.smem_source.empty()) r.get("shared_memory_source", true);
  g.as_of = r.date("as_of", true);
  g.sources = r.strs("sources");
  g.notes = r.strs("notes");
  if (g.sources.empty() && !t.get("sources")) r.get("sources", true);
  if (const toml::node* pk = r.get("peak_tflops", true)) {
    if (const auto* pt = pk->as_table()) {
      TomlTable p{path, *pt, problems, "peak_tflops."};
      for (size_t i = 0; i < kPeakNames.size(); ++i) g.peak_flop_per_s[i] = p.num(kPeakNames[i], false, 0, 1e6) * kTera;
      p.finish();
      if (g.peak(Peak::bf16) <= 0 && g.peak(Peak::fp16) <= 0)
        problems.push_back(where(path, pt->source()) + ": peak_tflops needs bf16 (or fp16)");
    } else {
      problems.push_back(where(path, pk->source()) + ": 'peak_tflops' must be a table");
    }
  }
  if (const toml::node* ef = r.get("efficiency", false)) {
    if (const auto* et = ef->as_table()) {
      TomlTable e{path, *et, problems, "efficiency."};
      g.eff_memory_bw = e.num("memory_bandwidth", false, 0, 1);
      g.eff_matmul_bf16 = e.num("matmul_bf16", false, 0, 1);
      g.eff_matmul_fp8 = e.num("matmul_fp8", false, 0, 1);
      g.eff_matmul_fp4 = e.num("matmul_fp4", false, 0, 1);
      g.eff_matmul_int8 = e.num("matmul_int8", false, 0, 1);
      g.eff_source = e.str("source", true);
      e.finish();
    } else {
      problems.push_back(where(path, ef->source()) + ": 'efficiency' must be a table");
    }
  }
  r.finish();
  if (!g.id.empty() && lower(g.id) != stem_of(path))
    problems.push_back(where(path, t.source()) + ": id '" + g.id + "' must equal the file name '" + stem_of(path) +
                       "'");
  check(problems);
  g.id = lower(g.id);
  return g;
}

Interconnect parse_interconnect(const std::string& path, const toml::table& t) {
  std::vector<std::string> problems;
  TomlTable r{path, t, problems};
  Interconnect x;
  x.id = lower(r.str("id", true));
  x.name = r.str("name", true);
  x.kind = r.str("kind", true);
  if (!x.kind.empty() && x.kind != "scale-up" && x.kind != "scale-out" && x.kind != "host")
    problems.push_back(path + ": kind '" + x.kind + "' must be scale-up, scale-out or host");
  x.bandwidth_bytes_per_s = r.num("bandwidth_gb_s", true, 0, 1e6) * kGB;
  x.latency_s = r.num("latency_us", false, 0, 1e6) * 1e-6;
  x.domain_size = static_cast<int>(r.count("domain_size", false, 1, 10000000).value_or(0));
  if (const toml::node* c = r.get("collectives", false)) {
    if (const auto* ct = c->as_table()) {
      TomlTable k{path, *ct, problems, "collectives."};
      x.nccl_latency_s = k.num("nccl_latency_us", false, 0, 1e6) * 1e-6;
      x.nccl_hop_latency_s = k.num("nccl_hop_latency_us", false, 0, 1e6) * 1e-6;
      x.nccl_busbw_bytes_per_s = k.num("nccl_busbw_gb_s", false, 0, 1e6) * kGB;
      x.custom_ar_latency_s = k.num("custom_ar_latency_us", false, 0, 1e6) * 1e-6;
      x.custom_ar_peer_latency_s = k.num("custom_ar_peer_latency_us", false, 0, 1e6) * 1e-6;
      x.custom_ar_busbw_bytes_per_s = k.num("custom_ar_busbw_gb_s", false, 0, 1e6) * kGB;
      x.vllm_ar_latency_s = k.num("vllm_ar_latency_us", false, 0, 1e6) * 1e-6;
      x.vllm_ar_peer_latency_s = k.num("vllm_ar_peer_latency_us", false, 0, 1e6) * 1e-6;
      x.vllm_ar_busbw_bytes_per_s = k.num("vllm_ar_busbw_gb_s", false, 0, 1e6) * kGB;
      x.nvls_latency_s = k.num("nvls_latency_us", false, 0, 1e6) * 1e-6;
      x.nvls_busbw_bytes_per_s = k.num("nvls_busbw_gb_s", false, 0, 1e6) * kGB;
      x.collectives_source = k.str("source", true);
      k.finish();
      if (x.custom_ar_latency_s > 0 && x.custom_ar_busbw_bytes_per_s <= 0)
        problems.push_back(where(path, ct->source()) + ": collectives.custom_ar_latency_us needs custom_ar_busbw_gb_s");
      if (x.vllm_ar_latency_s > 0 && x.vllm_ar_busbw_bytes_per_s <= 0)
        problems.push_back(where(path, ct->source()) + ": collectives.vllm_ar_latency_us needs vllm_ar_busbw_gb_s");
      if (x.nvls_latency_s > 0 && x.nvls_busbw_bytes_per_s <= 0)
        problems.push_back(where(path, ct->source()) + ": collectives.nvls_latency_us needs nvls_busbw_gb_s");
    } else {
      problems.push_back(where(path, c->source()) + ": 'collectives' must be a table");
    }
  }
  x.as_of = r.date("as_of", true);
  x.sources = r.strs("sources");
  x.notes = r.strs("notes");
  r.finish();
  if (!x.id.empty() && x.id != stem_of(path))
    problems.push_back(path + ": id '" + x.id + "' must equal the file name '" + stem_of(path) + "'");
  check(problems);
  return x;
}

ModelEntry parse_model(const std::string& path, const toml::table& t, std::vector<std::string>& warnings) {
  std::vector<std::string> problems;
  TomlTable r{path, t, problems};
  ModelEntry m;
  m.file = path;
  m.id = lower(r.str("id", true));
  m.name = r.str("name", true);
  m.hf_ids = r.strs("hf_ids");
  m.as_of = r.date("as_of", true);
  m.source = r.str("source", true);
  m.stated_total = r.num("stated_params_total", false, 0, 1e15);
  m.stated_active = r.num("stated_params_active", false, 0, 1e15);
  m.stated_source = r.str("stated_source");
  if (const double tol = r.num("params_tolerance", false, 0, 1); tol > 0) m.params_tolerance = tol;
  m.params_note = r.str("params_note");
  m.notes = r.strs("notes");
  const toml::node* cfg = r.get("config", true);
  r.finish();
  if (m.params_tolerance > 0.01 && m.params_note.empty())
    problems.push_back(path + ": params_tolerance above 0.01 needs a params_note saying why");
  if (!m.id.empty() && m.id != stem_of(path))
    problems.push_back(path + ": id '" + m.id + "' must equal the file name '" + stem_of(path) + "'");
  if (cfg && !cfg->is_table()) problems.push_back(where(path, cfg->source()) + ": 'config' must be a table");
  check(problems);
  m.arch = architecture_from_hf(to_json(*cfg), path + ": [config]", warnings);
  m.arch.id = m.id;
  m.arch.name = m.name;
  validate(m.arch);
  return m;
}

template <class Offer, class Fill>
std::vector<Offer> parse_offers(const std::string& path, const toml::table& t, Fill fill) {
  std::vector<std::string> problems;
  TomlTable r{path, t, problems};
  const std::string provider = lower(r.str("provider", true));
  const std::string name = r.str("name", true);
  std::vector<Offer> out;
  if (const toml::node* n = r.get("offer", true)) {
    if (const auto* arr = n->as_array()) {
      int i = 0;
      for (const auto& e : *arr) {
        const auto* et = e.as_table();
        if (!et) {
          problems.push_back(where(path, e.source()) + ": each [[offer]] must be a table");
          continue;
        }
        TomlTable o{path, *et, problems, "offer[" + std::to_string(i++) + "]."};
        Offer off;
        off.provider = provider;
        off.provider_name = name;
        fill(o, off);
        off.as_of = o.date("as_of", true);
        off.source = o.str("source", true);
        off.notes = o.str("notes");
        o.finish();
        out.push_back(off);
      }
    } else {
      problems.push_back(where(path, n->source()) + ": 'offer' must be an array of tables ([[offer]])");
    }
  }
  r.finish();
  if (!provider.empty() && provider != stem_of(path))
    problems.push_back(path + ": provider '" + provider + "' must equal the file name '" + stem_of(path) + "'");
  check(problems);
  return out;
}

std::vector<GpuOffer> parse_gpu_offers(const std::string& path, const toml::table& t) {
  return parse_offers<GpuOffer>(path, t, [](TomlTable& o, GpuOffer& off) {
    off.gpu = lower(o.str("gpu", true));
    off.usd_per_gpu_hour = o.num("usd_per_gpu_hour", true, 0, 1e4);
    off.pricing = o.str("pricing", true);
    off.product = o.str("product");
  });
}

std::vector<ApiOffer> parse_api_offers(const std::string& path, const toml::table& t) {
  return parse_offers<ApiOffer>(path, t, [](TomlTable& o, ApiOffer& off) {
    off.model = lower(o.str("model", true));
    off.usd_per_million_input = o.num("usd_per_million_input", true, 0, 1e5);
    off.usd_per_million_output = o.num("usd_per_million_output", true, 0, 1e5);
    if (const double c = o.num("usd_per_million_cached_input", false, 0, 1e5); c > 0)
      off.usd_per_million_cached_input = c;
  });
}

// Which kind a file holds: by its folder name (the shipped layout), else by its keys.
std::optional<EntryKind> kind_from_dir(const std::string& dir) {
  if (dir == "gpus") return EntryKind::gpu;
  if (dir == "interconnects") return EntryKind::interconnect;
  if (dir == "models") return EntryKind::model;
  if (dir == "gpu-prices") return EntryKind::gpu_prices;
  if (dir == "api-prices") return EntryKind::api_prices;
  return std::nullopt;
}

EntryKind kind_from_content(const toml::table& t, const std::string& path) {
  if (t.get("config")) return EntryKind::model;
  if (t.get("peak_tflops")) return EntryKind::gpu;
  if (t.get("bandwidth_gb_s")) return EntryKind::interconnect;
  if (const auto* arr = t.get_as<toml::array>("offer"); arr && !arr->empty()) {
    if (const auto* first = (*arr)[0].as_table()) {
      if (first->get("gpu")) return EntryKind::gpu_prices;
      if (first->get("model")) return EntryKind::api_prices;
    }
  }
  throw Error(path +
              ": cannot tell what this file describes (a model has [config], a GPU [peak_tflops], "
              "an interconnect bandwidth_gb_s, a price file [[offer]] entries)");
}

}  // namespace

// ---- the database ----------------------------------------------------------------------

struct Database::Impl {
  struct File {
    std::string path;
    const char* embedded = nullptr;  // text of an embedded file, else read from path
    std::optional<EntryKind> kind;   // unknown until sniffed (user files outside the layout)
    bool user = false;               // from --db / MLCALC_DB (not shipped or installed)
  };
  std::vector<File> files;  // embedded first, user files after (later wins)
  std::map<std::string, Gpu> gpus;
  std::map<std::string, Interconnect> links;
  std::map<std::string, ModelEntry> models;
  bool all_models_parsed = false;
  std::vector<std::string>* warnings = nullptr;

  std::string text(const File& f) const { return f.embedded ? std::string(f.embedded) : read_text_file(f.path); }

  // The parsed TOML of a file. The shipped files never change, so their parse is kept for the
  // process (per thread): in-process callers (tests, fuzzing, `plan` over every GPU) parse each
  // once. A user's file is parsed once per database.
  std::map<std::string, toml::table> user_tables;
  const toml::table& table(const File& f) {
    if (f.embedded) {
      thread_local std::map<const char*, toml::table> shipped;
      auto it = shipped.find(f.embedded);
      if (it == shipped.end()) it = shipped.emplace(f.embedded, parse_toml(f.embedded, f.path)).first;
      return it->second;
    }
    auto it = user_tables.find(f.path);
    if (it == user_tables.end()) it = user_tables.emplace(f.path, parse_toml(text(f), f.path)).first;
    return it->second;
  }

  EntryKind kind(File& f) {
    if (!f.kind) f.kind = kind_from_content(table(f), f.path);
    return *f.kind;
  }

  // The newest file of `k` whose stem is `id`.
  const File* find(EntryKind k, const std::string& id) {
    for (auto it = files.rbegin(); it != files.rend(); ++it)
      if (stem_of(it->path) == id && kind(*it) == k) return &*it;
    return nullptr;
  }

  std::vector<File*> of_kind(EntryKind k) {
    std::map<std::string, File*> latest;
    for (auto& f : files)
      if (kind(f) == k) latest[stem_of(f.path)] = &f;
    std::vector<File*> r;
    for (auto& [id, f] : latest) r.push_back(f);
    return r;
  }

  const ModelEntry& load_model(const File& f) {
    const std::string id = stem_of(f.path);
    auto it = models.find(id);
    if (it != models.end()) return it->second;
    return models.emplace(id, parse_model(f.path, table(f), *warnings)).first->second;
  }
};

namespace {

// <prefix>/share/mlcalc when this binary is <prefix>/bin/mlcalc and the databases are installed there.
std::string installed_db_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.parent_path().filename() != "bin") return "";
  const fs::path share = exe.parent_path().parent_path() / "share" / "mlcalc";
  return fs::is_directory(share / "hardware-db", ec) && fs::is_directory(share / "model-db", ec) ? share.string() : "";
}

}  // namespace

Database::Database(const std::vector<std::string>& user_dirs, bool builtin) : impl_(std::make_unique<Impl>()) {
  impl_->warnings = &warnings;
  std::vector<std::string> dirs = user_dirs;
  size_t shipped_dirs = 0;
  if (builtin) {
    if (const std::string installed = installed_db_dir(); !installed.empty()) {
      dirs.insert(dirs.begin(), {installed + "/hardware-db", installed + "/model-db"});
      shipped_dirs = 2;
    } else {
      for (size_t i = 0; i < kEmbeddedDbCount; ++i) {
        const std::string p = kEmbeddedDb[i].path;
        impl_->files.push_back({p, kEmbeddedDb[i].text, kind_from_dir(fs::path(p).parent_path().filename().string())});
      }
    }
  }
  for (size_t di = 0; di < dirs.size(); ++di) {
    const std::string& dir = dirs[di];
    const bool user = di >= shipped_dirs;
    std::error_code ec;
    if (!fs::exists(dir, ec)) throw Error("database directory '" + dir + "' does not exist");
    if (fs::is_regular_file(dir, ec)) {
      impl_->files.push_back({dir, nullptr, std::nullopt, user});
      continue;
    }
    if (!fs::is_directory(dir, ec)) throw Error("database path '" + dir + "' is neither a directory nor a TOML file");
    for (const auto& p : toml_files_under(dir))
      impl_->files.push_back({p, nullptr, kind_from_dir(fs::path(p).parent_path().filename().string()), user});
  }
  // One id in two of the user's files: the later wins, and says so (naming both) rather than
  // silently shadowing the other. Overriding a shipped entry is the point of --db: no warning.
  std::map<std::string, std::vector<Impl::File*>> by_id;
  for (auto& f : impl_->files)
    if (f.user) by_id[stem_of(f.path)].push_back(&f);
  for (auto& [id, fs_] : by_id)
    for (size_t i = 0; i + 1 < fs_.size(); ++i)
      for (size_t j = i + 1; j < fs_.size(); ++j)
        if (impl_->kind(*fs_[i]) == impl_->kind(*fs_[j]))
          warnings.push_back("'" + id + "' is defined in both " + fs_[i]->path + " and " + fs_[j]->path + ": " +
                             fs_[j]->path + " is used");
}

Database::~Database() = default;

std::vector<std::string> Database::ids(EntryKind kind) const {
  std::vector<std::string> r;
  for (auto* f : impl_->of_kind(kind)) r.push_back(stem_of(f->path));
  return r;
}

const Interconnect& Database::interconnect(const std::string& name) {
  const std::string id = lower(name);
  if (auto it = impl_->links.find(id); it != impl_->links.end()) return it->second;
  const auto* f = impl_->find(EntryKind::interconnect, id);
  if (!f)
    throw Error("unknown interconnect '" + name + "'" + did_you_mean(id, ids(EntryKind::interconnect)) +
                " (see `mlcalc list interconnects`)");
  return impl_->links.emplace(id, parse_interconnect(f->path, impl_->table(*f))).first->second;
}

const Gpu& Database::gpu(const std::string& name) {
  const std::string id = lower(name);
  if (auto it = impl_->gpus.find(id); it != impl_->gpus.end()) return it->second;
  auto load = [&](const Impl::File& f) -> const Gpu& {
    Gpu g = parse_gpu(f.path, impl_->table(f));
    const std::string gid = g.id;
    return impl_->gpus.emplace(gid, std::move(g)).first->second;
  };
  if (const auto* f = impl_->find(EntryKind::gpu, id)) return load(*f);
  // Aliases: parse every GPU file (only on this slower path).
  std::vector<std::string> names;
  for (auto* f : impl_->of_kind(EntryKind::gpu)) {
    const Gpu& g = impl_->gpus.count(stem_of(f->path)) ? impl_->gpus.at(stem_of(f->path)) : load(*f);
    if (std::find(g.aliases.begin(), g.aliases.end(), id) != g.aliases.end()) return g;
    names.push_back(g.id);
    names.insert(names.end(), g.aliases.begin(), g.aliases.end());
  }
  throw Error("unknown gpu '" + name + "'" + did_you_mean(id, names) + " (see `mlcalc list gpus`)");
}

ModelEntry model_from_config_path(const std::string& path, std::vector<std::string>& warnings) {
  std::error_code ec;
  std::string file = path;
  if (fs::is_directory(path, ec)) file = (fs::path(path) / "config.json").string();
  if (!fs::is_regular_file(file, ec)) throw Error("'" + path + "' holds no config.json");
  ModelEntry m = model_from_config_text(read_text_file(file), file, warnings);
  m.id = fs::is_directory(path, ec) ? fs::path(path).filename().string()
                                    : fs::path(path).parent_path().filename().string();
  if (m.id.empty() || m.id == ".") m.id = fs::path(file).stem().string();
  m.name = m.arch.name.empty() ? m.id : m.arch.name;
  m.arch.id = m.id;
  m.arch.name = m.name;
  return m;
}

ModelEntry model_from_config_text(const std::string& text, const std::string& file,
                                  std::vector<std::string>& warnings) {
  const nlohmann::json j = parse_json_checked(text, file);
  ModelEntry m;
  m.file = file;
  m.arch = architecture_from_hf(j, file, warnings);
  m.id = file;
  m.name = m.arch.name.empty() ? m.id : m.arch.name;
  m.source = file;
  m.arch.id = m.id;
  m.arch.name = m.name;
  validate(m.arch);
  return m;
}

const ModelEntry& Database::model(const std::string& name_or_path) {
  std::error_code ec;
  // A path to a config.json, or to a directory holding one, wins over a database name.
  if (fs::is_regular_file(name_or_path, ec) ||
      (fs::is_directory(name_or_path, ec) && fs::exists(fs::path(name_or_path) / "config.json", ec))) {
    const std::string key = "path:" + name_or_path;
    if (auto it = impl_->models.find(key); it != impl_->models.end()) return it->second;
    return impl_->models.emplace(key, model_from_config_path(name_or_path, warnings)).first->second;
  }
  const std::string id = lower(name_or_path);
  if (const auto* f = impl_->find(EntryKind::model, id)) return impl_->load_model(*f);
  // Hugging Face ids and display names: parse all model entries (slower path, still a few ms).
  std::vector<std::string> names;
  for (auto* f : impl_->of_kind(EntryKind::model)) {
    const ModelEntry& m = impl_->load_model(*f);
    if (lower(m.name) == id) return m;
    for (const auto& h : m.hf_ids)
      if (lower(h) == id) return m;
    names.push_back(m.id);
  }
  // A Hugging Face id in the local hub cache (what `huggingface-cli download` or transformers left there).
  if (std::count(id.begin(), id.end(), '/') == 1) {
    if (const auto cfg = hf_cached_config(name_or_path)) {
      const std::string key = "hf:" + id;
      if (auto it = impl_->models.find(key); it != impl_->models.end()) return it->second;
      ModelEntry m = model_from_config_path(*cfg, warnings);
      m.id = name_or_path;
      m.hf_ids = {name_or_path};
      if (m.name == fs::path(*cfg).parent_path().filename().string()) m.name = name_or_path;
      m.arch.id = m.id;
      m.arch.name = m.name;
      m.source = "Hugging Face cache: " + *cfg;
      return impl_->models.emplace(key, std::move(m)).first->second;
    }
    if (download) {
      const std::string key = "hf:" + id;
      if (auto it = impl_->models.find(key); it != impl_->models.end()) return it->second;
      const std::string text = hf_fetch_config(name_or_path);
      ++downloads;
      ModelEntry m = model_from_config_text(text, name_or_path + "/config.json", warnings);
      m.id = m.name = name_or_path;
      m.hf_ids = {name_or_path};
      m.arch.id = m.arch.name = name_or_path;
      m.source = "downloaded with --download: " + hf_hub_config_url(name_or_path);
      return impl_->models.emplace(key, std::move(m)).first->second;
    }
  }
  // "org/Name-Variant" not listed: try the part after the slash as an id.
  if (auto slash = id.rfind('/'); slash != std::string::npos) {
    if (const auto* f = impl_->find(EntryKind::model, id.substr(slash + 1))) return impl_->load_model(*f);
  }
  if (id.find('/') != std::string::npos || id.find(".json") != std::string::npos)
    throw Error("unknown model '" + name_or_path +
                "': not a database name, a known Hugging Face id, in the local Hugging Face cache (" +
                (hf_hub_cache_dir().empty() ? std::string("none") : hf_hub_cache_dir()) +
                "), or a path to a config.json" + did_you_mean(id.substr(id.rfind('/') + 1), names) +
                (std::count(id.begin(), id.end(), '/') == 1 && !download
                     ? " (--download fetches its config.json from the Hub)"
                     : ""));
  throw Error("unknown model '" + name_or_path + "'" + did_you_mean(id, names) + " (see `mlcalc list models`)");
}

std::string hf_hub_cache_dir() {
  auto env = [](const char* n) -> std::string {
    const char* v = std::getenv(n);
    return v && *v ? v : "";
  };
  // huggingface_hub constants.py: HF_HUB_CACHE (legacy HUGGINGFACE_HUB_CACHE), else HF_HOME/hub,
  // HF_HOME defaulting to $XDG_CACHE_HOME/huggingface, XDG_CACHE_HOME to ~/.cache.
  if (const std::string c = env("HF_HUB_CACHE"); !c.empty()) return c;
  if (const std::string c = env("HUGGINGFACE_HUB_CACHE"); !c.empty()) return c;
  if (const std::string h = env("HF_HOME"); !h.empty()) return (fs::path(h) / "hub").string();
  if (const std::string x = env("XDG_CACHE_HOME"); !x.empty()) return (fs::path(x) / "huggingface" / "hub").string();
  if (const std::string home = env("HOME"); !home.empty())
    return (fs::path(home) / ".cache" / "huggingface" / "hub").string();
  return "";
}

std::string hf_hub_config_url(const std::string& repo_id) {
  const char* e = std::getenv("HF_ENDPOINT");
  std::string endpoint = e && *e ? e : "https://huggingface.co";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint + "/" + repo_id + "/resolve/main/config.json";
}

std::string hf_fetch_config(const std::string& repo_id) {
  // Hub repo ids: ORG/NAME of letters, digits, '-', '_', '.' (huggingface_hub validate_repo_id);
  // anything else would change the URL's meaning.
  const size_t slash = repo_id.find('/');
  const bool ok = slash != std::string::npos && slash > 0 && slash + 1 < repo_id.size() &&
                  repo_id.find('/', slash + 1) == std::string::npos && repo_id.find("..") == std::string::npos &&
                  std::all_of(repo_id.begin(), repo_id.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
                  });
  if (!ok) throw Error("--download: '" + repo_id + "' is not a Hugging Face repo id (ORG/NAME)");
  HttpRequest req;
  req.url = hf_hub_config_url(repo_id);
  req.timeout_s = 30;
  if (const char* t = std::getenv("HF_TOKEN"); t && *t)
    req.headers.push_back(std::string("Authorization: Bearer ") + t);
  const HttpResponse r = http_request(req);
  if (!r.error.empty()) throw Error("--download: " + req.url + ": " + r.error_kind + " error: " + r.error);
  if (r.status == 401 || r.status == 403)
    throw Error("--download: " + req.url + ": HTTP " + std::to_string(r.status) +
                (std::getenv("HF_TOKEN")
                     ? std::string(": HF_TOKEN is not allowed to read it (gated: accept the license on the Hub)")
                     : std::string(": private or gated; set HF_TOKEN")));
  if (r.status == 404) throw Error("--download: " + req.url + ": HTTP 404: no such repository or no config.json in it");
  if (r.status != 200) throw Error("--download: " + req.url + ": HTTP " + std::to_string(r.status));
  if (r.body.size() > (16u << 20)) throw Error("--download: " + req.url + ": larger than 16 MiB, not a config.json");
  return r.body;
}

std::optional<std::string> hf_cached_config(const std::string& repo_id) {
  const std::string hub = hf_hub_cache_dir();
  const size_t slash = repo_id.find('/');
  if (hub.empty() || slash == std::string::npos || repo_id.find('/', slash + 1) != std::string::npos ||
      repo_id.find("..") != std::string::npos)
    return std::nullopt;
  std::error_code ec;
  // The folder keeps the id's case; ids are matched case-insensitively, as the Hub does.
  const std::string want = lower("models--" + repo_id.substr(0, slash) + "--" + repo_id.substr(slash + 1));
  fs::path repo;
  for (fs::directory_iterator it(hub, ec), end; !ec && it != end; it.increment(ec))
    if (lower(it->path().filename().string()) == want && it->is_directory(ec)) {
      repo = it->path();
      break;
    }
  if (repo.empty()) return std::nullopt;
  const fs::path snaps = repo / "snapshots";
  std::ifstream ref(repo / "refs" / "main");
  std::string commit;
  if (ref && std::getline(ref, commit) && !commit.empty() && fs::is_regular_file(snaps / commit / "config.json", ec))
    return (snaps / commit / "config.json").string();
  fs::path best;
  fs::file_time_type newest{};
  for (fs::directory_iterator it(snaps, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path cfg = it->path() / "config.json";
    if (!fs::is_regular_file(cfg, ec)) continue;
    const auto t = fs::last_write_time(it->path(), ec);
    if (best.empty() || t > newest) best = cfg, newest = t;
  }
  if (best.empty()) return std::nullopt;
  return best.string();
}

std::vector<GpuOffer> Database::gpu_offers() {
  std::vector<GpuOffer> r;
  for (auto* f : impl_->of_kind(EntryKind::gpu_prices)) {
    auto v = parse_gpu_offers(f->path, impl_->table(*f));
    r.insert(r.end(), v.begin(), v.end());
  }
  return r;
}

std::vector<ApiOffer> Database::api_offers() {
  std::vector<ApiOffer> r;
  for (auto* f : impl_->of_kind(EntryKind::api_prices)) {
    auto v = parse_api_offers(f->path, impl_->table(*f));
    r.insert(r.end(), v.begin(), v.end());
  }
  return r;
}

void load_everything(Database& db) {
  for (const auto& id : db.ids(EntryKind::interconnect)) db.interconnect(id);
  for (const auto& id : db.ids(EntryKind::gpu)) {
    const Gpu& g = db.gpu(id);
    if (!g.scale_up_id.empty()) db.interconnect(g.scale_up_id);
    if (!g.host_link_id.empty()) db.interconnect(g.host_link_id);
    if (!g.scale_out_id.empty() && db.interconnect(g.scale_out_id).kind != "scale-out")
      throw Error("hardware-db gpu " + g.id + ": scale_out '" + g.scale_out_id + "' is not a network (kind scale-out)");
  }
  for (const auto& id : db.ids(EntryKind::model)) db.model(id);
  for (const auto& o : db.gpu_offers()) db.gpu(o.gpu);
  for (const auto& o : db.api_offers()) db.model(o.model);
}

}  // namespace mlcalc
