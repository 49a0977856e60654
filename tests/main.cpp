#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdlib>
#include <doctest/doctest.h>

// Tables fit $COLUMNS (apps/cli.cpp): the tests compare full tables, whatever the shell exports;
// a test that wants a width sets COLUMNS itself.
int main(int argc, char** argv) {
  ::unsetenv("COLUMNS");
  return doctest::Context(argc, argv).run();
}
