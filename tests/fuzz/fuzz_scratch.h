// One scratch directory per fuzzing process, removed at exit, for targets whose parser reads a file or whose
// token needs a directory.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace cf::fuzz {
// A directory removed at exit; created on first use.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cf-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ::abort();
    static std::string for_exit = tmpl;
    std::atexit([] { std::filesystem::remove_all(for_exit); });
    return tmpl;
  }();
  return dir;
}

// Replaces `name` in the scratch directory (and any sqlite side files of an earlier input) with `data`.
inline std::string WriteScratchFile(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = ScratchDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) std::filesystem::remove(path + suffix);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace cf::fuzz
