// Loading the operator's TDX collateral files and turning a quote's TCB verdict into platform properties. The
// evaluation itself is attest/tdx/collateral.cc (shared with cf-attest verify); here: which file, whether it is
// current, and whether it was signed under the same root as the quote's PCK chain.
#include "certifier/tdx_collateral.h"

#include "certifier/properties.h"
#include "common/atomic_file.h"
#include "common/time_text.h"

namespace cf::certifier {
namespace {

constexpr char kCollateralOptions[] = "cf-certifier --tdx-tcb-info-file, --tdx-qe-identity-file, --tdx-tcb-chain-file";

Result<Bytes> Read(const std::string& option, const std::string& path) {
  auto data = ReadFile(path, 16u << 20);
  if (!data.ok()) return data.status().Annotate(option + " " + path);
  return *data;
}

Result<Bytes> LastCertificateSha256(STACK_OF(X509) * chain) {
  return attest::CertificateSha256(sk_X509_value(chain, sk_X509_num(chain) - 1));
}

}  // namespace

std::string TdxCollateralSet::Describe() const {
  std::string out;
  if (has_tcb()) {
    out = "TCB info for FMSPC";
    for (const Document& d : tcb_infos) out += " " + d.facts.fmspc_hex + " (next update " + d.facts.next_update + ")";
    out += ", QE identity (next update " + qe_identity.facts.next_update + ")";
  } else {
    out = "no TCB collateral";
  }
  return out + ", " + std::to_string(crls.size()) + " CRLs";
}

std::vector<std::string> TdxCollateralSet::Expired(int64_t now) const {
  std::vector<std::string> out;
  std::vector<const Document*> docs;
  for (const Document& d : tcb_infos) docs.push_back(&d);
  if (has_tcb()) docs.push_back(&qe_identity);
  for (const Document* d : docs) {
    if (d->facts.next_update_at < now) {
      out.push_back(d->path + " expired at its nextUpdate " + d->facts.next_update +
                    ": TDX quotes are denied until current collateral is installed and the service reloaded (SIGHUP)");
    }
  }
  return out;
}

Result<std::shared_ptr<const TdxCollateralSet>> LoadTdxCollateral(const TdxCollateralFiles& files, int64_t now) {
  auto set = std::make_shared<TdxCollateralSet>();
  const int given = !files.tcb_info.empty() + !files.qe_identity.empty() + !files.tcb_chain.empty();
  if (given != 0 && given != 3) {
    return Status(Code::kInvalidArgument,
                  "TDX collateral: give --tdx-tcb-info-file, --tdx-qe-identity-file and --tdx-tcb-chain-file "
                  "together, or none of them");
  }
  for (const std::string& path : files.crls) {
    CF_ASSIGN_OR_RETURN(Bytes crl, Read("--tdx-crl-file", path));
    auto parsed = attest::ParseCrl(crl);
    if (!parsed.ok()) return parsed.status().Annotate("--tdx-crl-file " + path);
    set->crls.push_back(std::move(crl));
  }
  if (given == 0) return std::shared_ptr<const TdxCollateralSet>(std::move(set));

  set->tcb_chain_path = files.tcb_chain;
  CF_ASSIGN_OR_RETURN(set->tcb_chain_pem, Read("--tdx-tcb-chain-file", files.tcb_chain));
  auto chain = attest::ReadPemChain(set->tcb_chain_pem);
  if (!chain.ok()) return chain.status().Annotate("--tdx-tcb-chain-file " + files.tcb_chain);
  if (sk_X509_num(chain->get()) < 2) {
    return Status(Code::kInvalidArgument,
                  "--tdx-tcb-chain-file " + files.tcb_chain +
                      " holds one certificate; give the TCB Signing certificate, then the root");
  }
  // The chain must hold together under its own root; whether that root is the quote's is judged per quote.
  attest::TdxVerifyOptions self;
  self.now = now;
  CF_ASSIGN_OR_RETURN(self.root_sha256, LastCertificateSha256(chain->get()));
  if (Status s = attest::VerifyPckChain(chain->get(), self); !s.ok()) {
    return s.Annotate("--tdx-tcb-chain-file " + files.tcb_chain);
  }
  X509* signer = sk_X509_value(chain->get(), 0);

  for (const std::string& path : files.tcb_info) {
    TdxCollateralSet::Document doc;
    doc.path = path;
    CF_ASSIGN_OR_RETURN(Bytes text, Read("--tdx-tcb-info-file", path));
    doc.json = AsString(text);
    auto facts = attest::tdx::CheckTcbInfoDocument(doc.json, signer);
    if (!facts.ok()) return facts.status().Annotate("--tdx-tcb-info-file " + path);
    doc.facts = *facts;
    for (const auto& other : set->tcb_infos) {
      if (other.facts.fmspc_hex == doc.facts.fmspc_hex) {
        return Status(Code::kInvalidArgument, "--tdx-tcb-info-file " + path + " and " + other.path +
                                                  " are both for FMSPC " + doc.facts.fmspc_hex + "; give one");
      }
    }
    set->tcb_infos.push_back(std::move(doc));
  }
  set->qe_identity.path = files.qe_identity;
  CF_ASSIGN_OR_RETURN(Bytes qe, Read("--tdx-qe-identity-file", files.qe_identity));
  set->qe_identity.json = AsString(qe);
  auto qe_facts = attest::tdx::CheckQeIdentityDocument(set->qe_identity.json, signer);
  if (!qe_facts.ok()) return qe_facts.status().Annotate("--tdx-qe-identity-file " + files.qe_identity);
  set->qe_identity.facts = *qe_facts;
  return std::shared_ptr<const TdxCollateralSet>(std::move(set));
}

AbsenceReasons NoTcbCollateralReasons() {
  const std::string why = std::string("the certifier has no TCB collateral configured (") + kCollateralOptions + ")";
  AbsenceReasons out;
  for (const char* name :
       {"tcb-status", "tdx-module-status", "qe-status", "tcb-evaluation-data-number", "tcb-date", "advisory-ids"}) {
    out[name] = why;
  }
  return out;
}

Status AddTdxTcbProperties(const attest::TdxVerification& verified, const TdxCollateralSet& set,
                           const attest::TdxVerifyOptions& options, wire::platform* platform, AbsenceReasons* absent) {
  const std::string fmspc = HexEncode(ByteView(verified.pck.fmspc.data(), verified.pck.fmspc.size()));
  const TdxCollateralSet::Document* info = nullptr;
  std::string known;
  for (const auto& d : set.tcb_infos) {
    if (d.facts.fmspc_hex == fmspc) info = &d;
    known += (known.empty() ? "" : ", ") + d.facts.fmspc_hex;
  }
  if (info == nullptr) {
    return Status(Code::kPolicyDenied, "the certifier has no TCB info for this platform's FMSPC " + fmspc +
                                           " (it has " + known + "): add a --tdx-tcb-info-file for it");
  }
  for (const TdxCollateralSet::Document* d : {info, &set.qe_identity}) {
    if (d->facts.next_update_at < options.now) {
      return Status(Code::kPolicyDenied, "TDX collateral " + d->path + " expired at its nextUpdate " +
                                             d->facts.next_update +
                                             ": install current collateral from Intel's PCS "
                                             "and reload the certifier (SIGHUP)");
    }
  }
  CF_ASSIGN_OR_RETURN(ossl::X509Stack chain, attest::ReadPemChain(set.tcb_chain_pem));
  CF_ASSIGN_OR_RETURN(Bytes collateral_root, LastCertificateSha256(chain.get()));
  CF_ASSIGN_OR_RETURN(Bytes quote_root, LastCertificateSha256(verified.chain.get()));
  if (collateral_root != quote_root) {
    return Status(Code::kUnauthenticated, "TDX collateral chain " + set.tcb_chain_path + " ends in root " +
                                              HexEncode(collateral_root) + ", the quote's PCK chain in root " +
                                              HexEncode(quote_root) + ": collateral signed under another root");
  }
  attest::tdx::Collateral collateral;
  collateral.tcb_info_json = info->json;
  collateral.qe_identity_json = set.qe_identity.json;
  collateral.issuer_chain_pem = set.tcb_chain_pem;
  auto verdict = attest::tdx::EvaluateTcb(verified, collateral, options);
  if (!verdict.ok()) return verdict.status().Annotate("TDX TCB collateral (" + info->path + ")");
  if (verdict->tcb_status == "Revoked" || verdict->qe_status == "Revoked" || verdict->tdx_module_status == "Revoked") {
    return Status(Code::kPolicyDenied, "Intel's TCB collateral (" + info->path +
                                           ") says this platform's TCB level is Revoked (tcb-status " +
                                           verdict->tcb_status + ", qe-status " + verdict->qe_status + ")");
  }
  auto* props = platform->mutable_props()->mutable_props();
  *props->Add() = StringProperty("tcb-status", verdict->tcb_status);
  *props->Add() = StringProperty("qe-status", verdict->qe_status);
  if (!verdict->tdx_module_status.empty()) {
    *props->Add() = StringProperty("tdx-module-status", verdict->tdx_module_status);
  } else {
    (*absent)["tdx-module-status"] = "the TCB info " + info->path +
                                     " has no TCB levels for this TDX module (TEE_TCB_SVN[1] is 0 or the TCB info "
                                     "lists no tdxModuleIdentities)";
  }
  *props->Add() = IntProperty("tcb-evaluation-data-number", "=", verdict->tcb_evaluation_data_number);
  *props->Add() = StringProperty("tcb-date", verdict->tcb_date);
  std::string advisories;
  for (const std::string& a : verdict->advisory_ids) advisories += (advisories.empty() ? "" : ",") + a;
  *props->Add() = StringProperty("advisory-ids", advisories.empty() ? "none" : advisories);
  return Status::Ok();
}

}  // namespace cf::certifier
