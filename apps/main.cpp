// mlcalc: ML infrastructure calculators. A thin main over the CLI library (ninja/bloaty style).
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return mlcalc::cli::run(args, std::cout, std::cerr);
}
