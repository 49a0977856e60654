// Reads the published measurements (validation/*.toml, embedded in the binary) that the model
// is checked against. Strict: any schema violation is an Error naming file:line:col.
#pragma once
#include <string>
#include <vector>

#include "../validation.hpp"

namespace mlcalc {

/// Every case of the embedded validation/*.toml files (when `embedded`), then of each path in
/// `extra_paths` (a .toml file, or a directory searched recursively for *.toml, in name order).
/// Ids must be unique over everything read. Throws Error on the first bad file.
std::vector<ValidationCase> load_validation_cases(const std::vector<std::string>& extra_paths = {},
                                                  bool embedded = true);

/// The cases of one TOML text (`path` is used in messages and stored in ValidationCase::file).
std::vector<ValidationCase> parse_validation_file(const std::string& path, const std::string& text);

}  // namespace mlcalc
