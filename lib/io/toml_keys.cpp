#include "toml_keys.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace mlcalc {

std::string read_text_file(const std::string& path) {
  // The largest shipped file is a few KB and a Hugging Face config.json a few tens of KB: refuse
  // anything past 16 MiB before reading it whole (a device or a huge file would not end).
  constexpr size_t kMaxBytes = size_t(16) << 20;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error("cannot read '" + path + "': it is a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot read '" + path + "'");
  std::string text;
  char buf[65536];
  while (text.size() <= kMaxBytes && f.read(buf, sizeof buf).gcount() > 0) text.append(buf, size_t(f.gcount()));
  if (text.size() > kMaxBytes) throw Error("'" + path + "' is larger than 16 MiB: not a config or database file");
  return text;
}

std::vector<std::string> toml_files_under(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".toml") found.push_back(it->path().string());
  // An unreadable directory (or one that fails part way) would drop entries without a word.
  if (ec)
    throw Error("cannot read database directory '" +
                (it == fs::recursive_directory_iterator() ? dir : it->path().string()) + "': " + ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

// The parsers recurse per nesting level: refuse input nested deeper than any real file before it
// reaches them (a 50,000-deep header or array would overflow the stack). `[`/`{` outside strings and
// comments count, and a TOML header's dotted keys count one level each.
void check_nesting(const std::string& text, const std::string& path, bool toml) {
  constexpr int kMaxDepth = 256;
  int depth = 0, line = 1, dots = 0;
  char quote = 0;
  bool comment = false, header = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line, comment = false, header = false, dots = 0;
    if (comment) continue;
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || (toml && c == '\''))
      quote = c;
    else if (toml && c == '#')
      comment = true;
    else if (c == '[' || c == '{')
      ++depth, header = toml && c == '[' && depth == 1;
    else if ((c == ']' || c == '}') && depth > 0)
      --depth;
    else if (header && c == '.')
      ++dots;
    if (depth > kMaxDepth || dots > kMaxDepth)
      throw Error(path + ":" + std::to_string(line) + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
}

toml::table parse_toml(const std::string& text, const std::string& path) {
  check_nesting(text, path, true);
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw Error(where(path, e.source()) + ": " + std::string(e.description()));
  }
}

nlohmann::json parse_json_checked(const std::string& text, const std::string& file) {
  check_nesting(text, file, false);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // The byte offset as line:col.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n')
        ++line, col = 1;
      else
        ++col;
    }
    std::string what = e.what();
    if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
    throw Error(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": invalid JSON: " + what);
  } catch (const nlohmann::json::exception& e) {
    // A number past double's range (1e999999) is out_of_range 406, not a parse_error.
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw Error(file + ": invalid JSON: " + what);
  }
}

}  // namespace mlcalc
