// Benchmark selection and the list of token-only benchmark ids.
#include "bench/p11bench/bench_context.h"

#include <sstream>

namespace cf::bench {

bool Context::Selected(const std::string& id) const {
  if (options.only.empty()) return true;
  std::stringstream ss(options.only);
  std::string prefix;
  while (std::getline(ss, prefix, ',')) {
    if (!prefix.empty() && id.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::vector<std::string> TokenIds(const Options& o) {
  std::vector<std::string> ids = {"session_open_close", "login_user"};
  for (int n : o.object_counts) {
    ids.push_back("create_object_at_" + std::to_string(n));
    ids.push_back("destroy_object_at_" + std::to_string(n));
  }
  ids.push_back("find_label_at_" + std::to_string(o.find_objects));
  ids.push_back("cold_start_at_" + std::to_string(o.find_objects));
  ids.push_back("peak_rss_at_" + std::to_string(o.rss_objects));
  return ids;
}

}  // namespace cf::bench
