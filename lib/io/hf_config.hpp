// Reads a Hugging Face config.json (or the [config] table of a model-db entry, converted
// to JSON) into an Architecture. The only place that knows HF key names.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "../model.hpp"

namespace mlcalc {

/// Builds the architecture described by `cfg`. `where` names the source in error messages
/// ("path/config.json"); `warnings` receives notes about defaults that were assumed.
Architecture architecture_from_hf(const nlohmann::json& cfg, const std::string& where,
                                  std::vector<std::string>& warnings);

}  // namespace mlcalc
