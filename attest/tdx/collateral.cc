// TCB info and QE identity: signature over the signed JSON text, chain to the pinned root, then Intel's TCB level
// matching. nlohmann::json reads the fields; every field read is checked for presence and type (a missing or
// mistyped one is a refusal naming it, never an exception escaping).
#include "attest/tdx/collateral.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/time_text.h"

namespace cf::attest::tdx {
namespace {

using nlohmann::json;

Status Bad(const std::string& what) { return Status(Code::kInvalidArgument, "TDX collateral: " + what); }

// The signed text of `{"<key>":{...},"signature":"..."}`: the value of <key> exactly as it stands, and the signature.
struct Signed {
  std::string body;
  Bytes signature;
  json value;
};

Result<Signed> SplitSigned(const std::string& text, const std::string& key) {
  const std::string open = "{\"" + key + "\":";
  const size_t start = text.find(open);
  const size_t sig = text.rfind(",\"signature\":");
  if (start != 0 || sig == std::string::npos || sig < open.size()) {
    return Bad(key + " document is not {\"" + key + "\":{...},\"signature\":\"...\"} as Intel serves it");
  }
  Signed out;
  out.body = text.substr(open.size(), sig - open.size());
  json whole = json::parse(text, nullptr, false);
  json body = json::parse(out.body, nullptr, false);
  if (whole.is_discarded() || body.is_discarded() || !whole.is_object() || !whole.contains("signature") ||
      !whole["signature"].is_string() || whole[key] != body || !body.is_object()) {
    return Bad(key + " document is not valid JSON of that form");
  }
  auto sig_bytes = HexDecode(whole["signature"].get<std::string>());
  if (!sig_bytes.ok() || sig_bytes->size() != 64) return Bad(key + " signature is not 64 bytes of hex");
  out.signature = *sig_bytes;
  out.value = std::move(body);
  return out;
}

Result<std::string> Str(const json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string())
    return Bad(std::string(name) + " missing or not text");
  return j[name].get<std::string>();
}
Result<int64_t> Int(const json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_number_integer()) {
    return Bad(std::string(name) + " missing or not an integer");
  }
  return j[name].get<int64_t>();
}
Result<Bytes> Hex(const json& j, const char* name, size_t size) {
  CF_ASSIGN_OR_RETURN(std::string text, Str(j, name));
  auto b = HexDecode(text);
  if (!b.ok() || b->size() != size) return Bad(std::string(name) + " is not " + std::to_string(size) + " bytes of hex");
  return *b;
}
Result<const json*> Array(const json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_array())
    return Bad(std::string(name) + " missing or not a list");
  return &j[name];
}

// The 16 "svn"s of a component list.
Result<std::array<int64_t, 16>> Components(const json& tcb, const char* name) {
  CF_ASSIGN_OR_RETURN(const json* list, Array(tcb, name));
  if (list->size() != 16) return Bad(std::string(name) + " does not list 16 components");
  std::array<int64_t, 16> svn{};
  for (size_t i = 0; i < 16; ++i) {
    CF_ASSIGN_OR_RETURN(svn[i], Int((*list)[i], "svn"));
  }
  return svn;
}

bool MaskedEqual(ByteView value, ByteView expected, ByteView mask) {
  if (value.size() != expected.size() || value.size() != mask.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((value[i] & mask[i]) != expected[i]) return false;
  }
  return true;
}

Bytes Le64(uint64_t v) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  return b;
}

// Signature by the issuer chain's leaf; the document's id, version and nextUpdate.
Result<DocumentFacts> CheckSignedDocument(const Signed& doc, X509* signer, const char* id, int64_t version,
                                          const char* what) {
  CF_RETURN_IF_ERROR(VerifyP256Signature(X509_get0_pubkey(signer), doc.signature, AsBytes(doc.body),
                                         std::string(what) + " signature by the TCB Signing certificate"));
  CF_ASSIGN_OR_RETURN(std::string got_id, Str(doc.value, "id"));
  CF_ASSIGN_OR_RETURN(int64_t got_version, Int(doc.value, "version"));
  if (got_id != id || got_version != version) {
    return Bad(std::string(what) + " is id '" + got_id + "' version " + std::to_string(got_version) + ", expected '" +
               id + "' version " + std::to_string(version));
  }
  DocumentFacts facts;
  CF_ASSIGN_OR_RETURN(facts.next_update, Str(doc.value, "nextUpdate"));
  auto next_time = ParseTime(facts.next_update);
  if (!next_time.ok()) return Bad(std::string(what) + " nextUpdate '" + facts.next_update + "' is not a time");
  facts.next_update_at = *next_time;
  return facts;
}

// The same and the document's currency at options.now.
Status CheckDocument(const Signed& doc, X509* signer, const TdxVerifyOptions& options, const char* id, int64_t version,
                     const char* what) {
  CF_ASSIGN_OR_RETURN(DocumentFacts facts, CheckSignedDocument(doc, signer, id, version, what));
  if (facts.next_update_at < options.now) {
    return Status(Code::kPolicyDenied,
                  std::string(what) + " expired at its nextUpdate " + facts.next_update + ": fetch current collateral");
  }
  return Status::Ok();
}

// The first level (Intel lists them highest first) at or below what the platform has.
Result<const json*> MatchLevel(const json& levels, const PckFacts& pck, const TdReport& body) {
  // With a TDX module version (TEE_TCB_SVN[1] > 0), bytes 0 and 1 are judged by the module identity instead.
  const size_t first = body.tee_tcb_svn[1] > 0 ? 2 : 0;
  for (const json& level : levels) {
    if (!level.is_object() || !level.contains("tcb")) return Bad("a tcbLevel has no tcb");
    const json& tcb = level["tcb"];
    CF_ASSIGN_OR_RETURN(auto sgx, Components(tcb, "sgxtcbcomponents"));
    CF_ASSIGN_OR_RETURN(auto tdx, Components(tcb, "tdxtcbcomponents"));
    CF_ASSIGN_OR_RETURN(int64_t pcesvn, Int(tcb, "pcesvn"));
    bool meets = pck.pce_svn >= pcesvn;
    for (size_t i = 0; i < 16 && meets; ++i) meets = pck.sgx_tcb_components[i] >= sgx[i];
    for (size_t i = first; i < 16 && meets; ++i) meets = body.tee_tcb_svn[i] >= tdx[i];
    if (meets) return &level;
  }
  return static_cast<const json*>(nullptr);
}

Status CheckTdxModule(const json& info, const TdReport& body, TcbVerdict* out) {
  if (!info.contains("tdxModule")) return Bad("tcbInfo has no tdxModule");
  const json* identity = &info["tdxModule"];
  const json* levels = nullptr;
  if (body.tee_tcb_svn[1] > 0 && info.contains("tdxModuleIdentities")) {
    char want[16];
    snprintf(want, sizeof(want), "TDX_%02X", body.tee_tcb_svn[1]);
    identity = nullptr;
    for (const json& m : info["tdxModuleIdentities"]) {
      auto id = Str(m, "id");
      if (id.ok() && strcasecmp(id->c_str(), want) == 0) identity = &m;
    }
    if (identity == nullptr) {
      return Status(Code::kPolicyDenied, std::string("TCB info has no identity for TDX module ") + want);
    }
    CF_ASSIGN_OR_RETURN(levels, Array(*identity, "tcbLevels"));
  }
  CF_ASSIGN_OR_RETURN(Bytes mrsigner, Hex(*identity, "mrsigner", 48));
  CF_ASSIGN_OR_RETURN(Bytes attributes, Hex(*identity, "attributes", 8));
  CF_ASSIGN_OR_RETURN(Bytes mask, Hex(*identity, "attributesMask", 8));
  if (!ConstantTimeEquals(mrsigner, ByteView(body.mr_signer_seam.data(), 48))) {
    return Status(Code::kPolicyDenied, "MRSIGNERSEAM " + HexEncode(ByteView(body.mr_signer_seam.data(), 48)) +
                                           " is not the TDX module signer the TCB info names");
  }
  if (!MaskedEqual(Le64(body.seam_attributes), attributes, mask)) {
    return Status(Code::kPolicyDenied, "SEAMATTRIBUTES do not match the TDX module identity");
  }
  if (levels == nullptr) return Status::Ok();
  for (const json& level : *levels) {
    if (!level.contains("tcb")) return Bad("a TDX module tcbLevel has no tcb");
    CF_ASSIGN_OR_RETURN(int64_t isvsvn, Int(level["tcb"], "isvsvn"));
    if (body.tee_tcb_svn[0] >= isvsvn) {
      CF_ASSIGN_OR_RETURN(out->tdx_module_status, Str(level, "tcbStatus"));
      return Status::Ok();
    }
  }
  return Status(Code::kPolicyDenied, "the TDX module's SVN " + std::to_string(body.tee_tcb_svn[0]) +
                                         " is below every level of its identity");
}

Status CheckQeIdentity(const json& qe, const QeReport& report, TcbVerdict* out) {
  CF_ASSIGN_OR_RETURN(Bytes mrsigner, Hex(qe, "mrsigner", 32));
  CF_ASSIGN_OR_RETURN(int64_t prod_id, Int(qe, "isvprodid"));
  CF_ASSIGN_OR_RETURN(Bytes misc, Hex(qe, "miscselect", 4));
  CF_ASSIGN_OR_RETURN(Bytes misc_mask, Hex(qe, "miscselectMask", 4));
  CF_ASSIGN_OR_RETURN(Bytes attributes, Hex(qe, "attributes", 16));
  CF_ASSIGN_OR_RETURN(Bytes attr_mask, Hex(qe, "attributesMask", 16));
  if (!ConstantTimeEquals(mrsigner, ByteView(report.mr_signer.data(), 32))) {
    return Status(Code::kPolicyDenied, "QE MRSIGNER " + HexEncode(ByteView(report.mr_signer.data(), 32)) +
                                           " is not the one the QE identity names");
  }
  if (prod_id != report.isv_prod_id) {
    return Status(Code::kPolicyDenied,
                  "QE ISVPRODID " + std::to_string(report.isv_prod_id) + " is not " + std::to_string(prod_id));
  }
  // MISCSELECT is a little-endian u32 in the report; the identity writes its bytes in that order too.
  Bytes misc_le = Le64(report.misc_select);
  misc_le.resize(4);
  if (!MaskedEqual(misc_le, misc, misc_mask) ||
      !MaskedEqual(ByteView(report.attributes.data(), 16), attributes, attr_mask)) {
    return Status(Code::kPolicyDenied, "QE MISCSELECT or ATTRIBUTES do not match the QE identity under its masks");
  }
  CF_ASSIGN_OR_RETURN(const json* levels, Array(qe, "tcbLevels"));
  for (const json& level : *levels) {
    if (!level.contains("tcb")) return Bad("a QE tcbLevel has no tcb");
    CF_ASSIGN_OR_RETURN(int64_t isvsvn, Int(level["tcb"], "isvsvn"));
    if (report.isv_svn >= isvsvn) {
      CF_ASSIGN_OR_RETURN(out->qe_status, Str(level, "tcbStatus"));
      return Status::Ok();
    }
  }
  return Status(Code::kPolicyDenied,
                "QE ISVSVN " + std::to_string(report.isv_svn) + " is below every level of the QE identity");
}

}  // namespace

Result<DocumentFacts> CheckTcbInfoDocument(const std::string& json_text, X509* signer) {
  CF_ASSIGN_OR_RETURN(Signed info, SplitSigned(json_text, "tcbInfo"));
  CF_ASSIGN_OR_RETURN(DocumentFacts facts, CheckSignedDocument(info, signer, "TDX", 3, "TCB info"));
  CF_ASSIGN_OR_RETURN(Bytes fmspc, Hex(info.value, "fmspc", 6));
  facts.fmspc_hex = HexEncode(fmspc);
  return facts;
}

Result<DocumentFacts> CheckQeIdentityDocument(const std::string& json_text, X509* signer) {
  CF_ASSIGN_OR_RETURN(Signed qe, SplitSigned(json_text, "enclaveIdentity"));
  return CheckSignedDocument(qe, signer, "TD_QE", 2, "QE identity");
}

Result<TcbVerdict> EvaluateTcb(const TdxVerification& verified, const Collateral& collateral,
                               const TdxVerifyOptions& options) {
  CF_ASSIGN_OR_RETURN(ossl::X509Stack chain, ReadPemChain(collateral.issuer_chain_pem));
  CF_RETURN_IF_ERROR(VerifyPckChain(chain.get(), options));  // same pin, time and CRLs as the PCK chain
  X509* signer = sk_X509_value(chain.get(), 0);
  CF_ASSIGN_OR_RETURN(Signed info, SplitSigned(collateral.tcb_info_json, "tcbInfo"));
  CF_ASSIGN_OR_RETURN(Signed qe, SplitSigned(collateral.qe_identity_json, "enclaveIdentity"));
  CF_RETURN_IF_ERROR(CheckDocument(info, signer, options, "TDX", 3, "TCB info"));
  CF_RETURN_IF_ERROR(CheckDocument(qe, signer, options, "TD_QE", 2, "QE identity"));

  TcbVerdict out;
  const PckFacts& pck = verified.pck;
  CF_ASSIGN_OR_RETURN(Bytes fmspc, Hex(info.value, "fmspc", 6));
  CF_ASSIGN_OR_RETURN(Bytes pce_id, Hex(info.value, "pceId", 2));
  if (!std::equal(fmspc.begin(), fmspc.end(), pck.fmspc.begin()) ||
      !std::equal(pce_id.begin(), pce_id.end(), pck.pce_id.begin())) {
    return Status(Code::kPolicyDenied, "TCB info is for FMSPC " + HexEncode(fmspc) + ", the PCK's is " +
                                           HexEncode(ByteView(pck.fmspc.data(), 6)) + " (or another PCE id)");
  }
  CF_ASSIGN_OR_RETURN(int64_t number, Int(info.value, "tcbEvaluationDataNumber"));
  out.tcb_evaluation_data_number = static_cast<uint32_t>(number);
  CF_RETURN_IF_ERROR(CheckTdxModule(info.value, verified.quote.body, &out));
  CF_ASSIGN_OR_RETURN(const json* levels, Array(info.value, "tcbLevels"));
  CF_ASSIGN_OR_RETURN(const json* level, MatchLevel(*levels, pck, verified.quote.body));
  if (level == nullptr) {
    return Status(Code::kPolicyDenied,
                  "no TCB level of the TCB info is met by this platform's PCK TCB and "
                  "TEE_TCB_SVN (Intel's status: Unsupported)");
  }
  CF_ASSIGN_OR_RETURN(out.tcb_status, Str(*level, "tcbStatus"));
  if (level->contains("tcbDate") && (*level)["tcbDate"].is_string()) out.tcb_date = (*level)["tcbDate"];
  if (level->contains("advisoryIDs") && (*level)["advisoryIDs"].is_array()) {
    for (const json& a : (*level)["advisoryIDs"]) {
      if (a.is_string()) out.advisory_ids.push_back(a.get<std::string>());
    }
  }
  CF_RETURN_IF_ERROR(CheckQeIdentity(qe.value, verified.quote.qe_report, &out));
  return out;
}

}  // namespace cf::attest::tdx
