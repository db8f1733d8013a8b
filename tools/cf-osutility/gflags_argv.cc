// gflags' spellings to CLI11's. gflags' boolean words: true/false, yes/no, t/f, y/n, 1/0 (any case).
#include "tools/cf-osutility/gflags_argv.h"

#include <algorithm>
#include <cctype>

namespace cf::osutil {
namespace {

std::string Canonical(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::optional<std::string> BoolWord(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "yes" || lower == "t" || lower == "y" || lower == "1") return "true";
  if (lower == "false" || lower == "no" || lower == "f" || lower == "n" || lower == "0") return "false";
  return std::nullopt;
}

// "--x" or gflags' "-x": what follows a bare --put_item when it is the framework's switch, not our file.
bool LooksLikeFlag(const std::string& arg) {
  return arg.size() > 1 && arg[0] == '-' && (arg[1] == '-' || std::isalpha(static_cast<unsigned char>(arg[1])));
}

bool IsSwitchLike(std::optional<FlagKind> kind) { return kind == FlagKind::kSwitch || kind == FlagKind::kSwitchOrFile; }

}  // namespace

std::vector<std::string> NormalizeGflagsArgv(const std::vector<std::string>& args,
                                             const std::function<std::optional<FlagKind>(std::string_view)>& kind_of) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--") {  // gflags stops here too: the rest is positional
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-' && std::isalpha(static_cast<unsigned char>(arg[1])) &&
        arg.size() > 2) {
      arg = "-" + arg;  // gflags takes -flag as --flag; CLI11 reads -abc as short options
    }
    if (arg.rfind("--", 0) != 0) {
      out.push_back(arg);
      continue;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::optional<std::string> value;
    if (eq != std::string::npos) value = arg.substr(eq + 1);
    std::optional<FlagKind> kind = kind_of(Canonical(name));
    if (!kind && !value && name.size() > 2 && name.rfind("no", 0) == 0 &&
        IsSwitchLike(kind_of(Canonical(name.substr(2))))) {
      out.push_back("--" + name.substr(2) + "=false");
      continue;
    }
    if (!IsSwitchLike(kind)) {
      out.push_back(arg);
      continue;
    }
    const bool next_is_bool = i + 1 < args.size() && BoolWord(args[i + 1]).has_value();
    if (value) {
      auto word = BoolWord(*value);
      out.push_back(word ? "--" + name + "=" + *word : arg);  // a file name for kSwitchOrFile, or CLI11's error
    } else if (next_is_bool) {
      out.push_back("--" + name + "=" + *BoolWord(args[++i]));
    } else if (kind == FlagKind::kSwitch || i + 1 == args.size() || LooksLikeFlag(args[i + 1])) {
      out.push_back("--" + name + "=true");
    } else {
      out.push_back(arg);  // ours: --put-item FILE
    }
  }
  return out;
}

}  // namespace cf::osutil
