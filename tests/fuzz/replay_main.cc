// The main of a fuzz target built without libFuzzer (the gcc build, scripts/test.sh's first stage): runs the
// target once on every file of the directories or files named on the command line, so the seed corpus and every
// crash ever found (tests/fuzz/corpus/<target>/, regression-* files) stay tests on every compiler.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      for (const auto& file : std::filesystem::directory_iterator(arg)) {
        if (!file.is_regular_file()) continue;
        RunFile(file.path());
        ++runs;
      }
    } else {
      RunFile(arg);
      ++runs;
    }
  }
  std::fprintf(stderr, "replayed %zu inputs\n", runs);
  // An empty corpus would make this test pass without testing anything.
  return runs > 0 ? 0 : 1;
}
