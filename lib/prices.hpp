// Prices from the databases: GPU rental offers and API offers for models. Plain data.
#pragma once
#include <string>

namespace mlcalc {

/// A GPU rental price.
struct GpuOffer {
  std::string provider, provider_name, gpu, pricing, product, as_of, source, notes;
  double usd_per_gpu_hour = 0;
};

/// An API price for a model.
struct ApiOffer {
  std::string provider, provider_name, model, as_of, source, notes;
  double usd_per_million_input = 0, usd_per_million_output = 0;
  double usd_per_million_cached_input = -1;  ///< -1 = not published
};

}  // namespace mlcalc
