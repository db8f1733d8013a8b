// What the crash harness expects a token to hold: the objects (by label) and the user PIN that every write the
// child reported finished (CKR_OK) implies, plus the one write in flight when it was killed, which may or may not
// have happened — but wholly or not at all. Ops travel as one text line each ("I <op> <label> <arg>" before the
// call, "C" after CKR_OK) over a pipe, so what the child reported survives its SIGKILL.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace cf::p11::test {

enum class Op { kCreate, kDestroy, kSetValue, kRelabel, kGenerateAes, kGeneratePair, kSetPin };

struct Write {
  Op op;
  std::string label;  // the object's label (kRelabel: the old one)
  std::string arg;    // the new value, label or PIN
};

inline std::string Encode(const Write& w) {
  return "I " + std::to_string(static_cast<int>(w.op)) + " " + w.label + " " + w.arg + "\n";
}

struct TokenModel {
  std::map<std::string, std::string> data;  // data objects: label -> CKA_VALUE
  std::set<std::string> aes;                // AES keys by label
  std::set<std::string> pairs;              // EC key pairs (public and private share the label)
  std::string pin = "1234";

  void Apply(const Write& w) {
    switch (w.op) {
      case Op::kCreate:
      case Op::kSetValue:
        data[w.label] = w.arg;
        break;
      case Op::kDestroy:
        data.erase(w.label);
        aes.erase(w.label);
        pairs.erase(w.label);
        break;
      case Op::kRelabel: {
        std::string value = data[w.label];
        data.erase(w.label);
        data[w.arg] = value;
        break;
      }
      case Op::kGenerateAes:
        aes.insert(w.label);
        break;
      case Op::kGeneratePair:
        pairs.insert(w.label);
        break;
      case Op::kSetPin:
        pin = w.arg;
    }
  }
  size_t objects() const { return data.size() + aes.size() + pairs.size(); }
  bool SameObjects(const TokenModel& o) const { return data == o.data && aes == o.aes && pairs == o.pairs; }
  std::string Describe() const {
    std::ostringstream out;
    out << "data{";
    for (const auto& [label, value] : data) out << label << "=" << value << " ";
    out << "} aes{";
    for (const auto& label : aes) out << label << " ";
    out << "} pairs{";
    for (const auto& label : pairs) out << label << " ";
    out << "}";
    return out.str();
  }
};

// The child's report, parsed: the writes it finished, in order, and the one it had begun when killed.
struct ChildReport {
  std::vector<Write> committed;
  std::optional<Write> in_flight;
};

inline ChildReport ParseReport(const std::string& text) {
  ChildReport report;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line == "C" && report.in_flight) {
      report.committed.push_back(*report.in_flight);
      report.in_flight.reset();
      continue;
    }
    std::istringstream words(line);
    std::string tag;
    int op = 0;
    Write w{};
    if (words >> tag >> op >> w.label >> w.arg && tag == "I") {
      w.op = static_cast<Op>(op);
      report.in_flight = w;
    }
  }
  return report;
}

}  // namespace cf::p11::test
