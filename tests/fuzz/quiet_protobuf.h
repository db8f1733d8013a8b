// Protobuf writes every malformed message it is handed to stderr ("String field ... contains invalid UTF-8"); a
// fuzzer hands it thousands a second, which drowns libFuzzer's own report and slows the run. Discarded in fuzz
// processes only (a target that includes this); the parse result, which the targets use, is unchanged.
#pragma once

#include <google/protobuf/stubs/logging.h>

namespace cf::fuzz {

inline const bool kProtobufLogsDiscarded = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

}  // namespace cf::fuzz
