// NormalizeGflagsArgv: each gflags spelling the framework's scripts may use becomes the one CLI11 takes, and
// nothing else changes (so CLI11 still names an unknown flag, and ours keep their meaning).
#include "tools/cf-osutility/gflags_argv.h"

#include <gtest/gtest.h>

namespace cf::osutil {
namespace {

std::optional<FlagKind> Kind(std::string_view name) {
  if (name == "get-item" || name == "exportable") return FlagKind::kSwitch;
  if (name == "put-item") return FlagKind::kSwitchOrFile;
  if (name == "entry-tag" || name == "data-dir") return FlagKind::kValue;
  return std::nullopt;
}

using Args = std::vector<std::string>;

Args Normal(const Args& in) { return NormalizeGflagsArgv(in, Kind); }

TEST(GflagsArgv, SwitchValuesBecomeTrueOrFalse) {
  EXPECT_EQ(Normal({"--get_item=true", "--exportable=FALSE"}), (Args{"--get_item=true", "--exportable=false"}));
  EXPECT_EQ(Normal({"--get_item=yes", "--exportable=0"}), (Args{"--get_item=true", "--exportable=false"}));
  EXPECT_EQ(Normal({"--get_item"}), (Args{"--get_item=true"}));
}

TEST(GflagsArgv, SeparateBooleanWordJoinsItsSwitch) {
  EXPECT_EQ(Normal({"--get_item", "true", "--exportable", "f"}), (Args{"--get_item=true", "--exportable=false"}));
}

TEST(GflagsArgv, NoPrefixClearsASwitch) {
  EXPECT_EQ(Normal({"--noexportable", "--noput_item"}), (Args{"--exportable=false", "--put_item=false"}));
  EXPECT_EQ(Normal({"--nosuch"}), (Args{"--nosuch"})) << "an unknown name stays for CLI11 to report";
}

TEST(GflagsArgv, SingleDashIsGflagsLongForm) {
  EXPECT_EQ(Normal({"-entry_tag=x", "-get_item"}), (Args{"--entry_tag=x", "--get_item=true"}));
  EXPECT_EQ(Normal({"-", "-h"}), (Args{"-", "-h"})) << "stdin and short options are left alone";
}

TEST(GflagsArgv, SwitchOrFileKeepsOursAndTakesTheFrameworks) {
  EXPECT_EQ(Normal({"--put-item", "note.txt", "--entry_tag", "n"}),
            (Args{"--put-item", "note.txt", "--entry_tag", "n"}));
  EXPECT_EQ(Normal({"--put_item", "--entry_tag=n"}), (Args{"--put_item=true", "--entry_tag=n"}));
  EXPECT_EQ(Normal({"--entry_tag=n", "--put_item"}), (Args{"--entry_tag=n", "--put_item=true"}));
  EXPECT_EQ(Normal({"--put_item=note.txt"}), (Args{"--put_item=note.txt"}));
  EXPECT_EQ(Normal({"--put_item=true"}), (Args{"--put_item=true"}));
}

TEST(GflagsArgv, ValuesAndPositionalsPassUnchanged) {
  EXPECT_EQ(Normal({"--data_dir", "./", "--entry_tag=true"}), (Args{"--data_dir", "./", "--entry_tag=true"}));
  EXPECT_EQ(Normal({"--", "--get_item"}), (Args{"--", "--get_item"}));
}

}  // namespace
}  // namespace cf::osutil
