// The Certifier Framework's cf_utility parses its command line with gflags; CLI11 (flags.cc) does not take every
// spelling gflags does. This one function rewrites gflags' forms into CLI11's before parsing: "-flag" ->
// "--flag", "--noflag" -> "--flag=false", "--flag true" / "--flag=yes" / "--flag=0" on a switch -> "--flag=true|false",
// and the framework's switch form of the flags we also give a file ("--put_item" before another flag, or last) ->
// "--put_item=true". Everything else passes unchanged, so CLI11 still names unknown flags.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cf::osutil {

enum class FlagKind {
  kSwitch,        // a bool: gflags' --flag, --flag=false, --noflag
  kValue,         // takes a value: --flag=v or --flag v
  kSwitchOrFile,  // ours takes a file (--put-item FILE), the framework's is a switch (--put_item=true)
};

// kind_of gets a flag's name without dashes, '_' turned into '-' ("put-item"); nullopt for unknown names.
std::vector<std::string> NormalizeGflagsArgv(const std::vector<std::string>& args,
                                             const std::function<std::optional<FlagKind>(std::string_view)>& kind_of);

}  // namespace cf::osutil
