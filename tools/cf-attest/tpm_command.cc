// TPM quote evidence for people: the evidence file is a serialized tpm_attestation_message (WIRE.md "TPM 2.0
// evidence (ours)"); the AK file is the platform directory's ak.pub (marshalled TPM2B_PUBLIC).
#include "tools/cf-attest/tpm_command.h"

#include <tss2/tss2_mu.h>

#include <iostream>

#include "attest/enclave.h"
#include "attest/tpm/pcr.h"
#include "attest/verify_tpm.h"
#include "common/atomic_file.h"
#include "common/time_text.h"

namespace cf::tools {
namespace {

int Usage(const std::string& what, const Status& s) {
  std::cerr << "cf-attest: " << what << ": " << s.ToString() << "\n";
  return 2;
}

Result<wire::tpm_attestation_message> LoadEvidence(const std::string& path) {
  CF_ASSIGN_OR_RETURN(Bytes raw, ReadFile(path, 1 << 20));
  wire::tpm_attestation_message m;
  if (!m.ParseFromArray(raw.data(), static_cast<int>(raw.size())) || !m.has_the_quote()) {
    return Status(Code::kInvalidArgument, path + " is not TPM quote evidence (a serialized tpm_attestation_message)");
  }
  return m;
}

int Quote(const TpmCommands& t) {
  attest::EnclaveOptions o;
  o.type = attest::kTpmEnclave;
  o.directory = t.platform_dir;
  o.tpm_tcti = t.tcti;
  o.tpm_pcrs = t.pcrs;
  auto enclave = attest::OpenEnclave(o);
  if (!enclave.ok()) return Usage("opening the TPM platform in '" + t.platform_dir + "'", enclave.status());
  wire::attestation_user_data ud;
  ud.set_enclave_type(attest::kTpmEnclave);
  ud.set_time(NowText());
  auto evidence = (*enclave)->Attest(AsBytes(ud.SerializeAsString()));
  if (!evidence.ok()) return Usage("quoting", evidence.status());
  if (Status s = WriteFileAtomic(t.out, *evidence, 0644); !s.ok()) return Usage("writing " + t.out, s);
  std::cout << "wrote a quote over PCRs " << (t.pcrs.empty() ? attest::tpm::kDefaultPcrs : t.pcrs) << " to " << t.out
            << "\nmeasurement " << HexEncode((*enclave)->measurement()) << "\n";
  return 0;
}

int Display(const TpmCommands& t) {
  auto m = LoadEvidence(t.evidence);
  if (!m.ok()) return Usage("reading", m.status());
  TPMS_ATTEST a = {};
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(reinterpret_cast<const uint8_t*>(m->the_quote().data()), m->the_quote().size(),
                                    &offset, &a) != TSS2_RC_SUCCESS) {
    std::cerr << "cf-attest: the quote is not a marshalled TPMS_ATTEST\n";
    return 2;
  }
  char magic[16];
  snprintf(magic, sizeof(magic), "0x%08x", a.magic);
  std::cout << "magic: " << magic << (a.magic == TPM2_GENERATED_VALUE ? " (TPM_GENERATED_VALUE)" : " (NOT a TPM's)")
            << "\ntype: " << (a.type == TPM2_ST_ATTEST_QUOTE ? "quote" : "other (" + std::to_string(a.type) + ")")
            << "\nqualified signer: " << HexEncode(ByteView(a.qualifiedSigner.name, a.qualifiedSigner.size))
            << "\nextra data: " << HexEncode(ByteView(a.extraData.buffer, a.extraData.size))
            << "\nclock: " << a.clockInfo.clock << " ms, resets " << a.clockInfo.resetCount << ", restarts "
            << a.clockInfo.restartCount << "\nfirmware version: " << a.firmwareVersion
            << "\npcr selection: " << attest::tpm::PcrSelectionText(a.attested.quote.pcrSelect) << "\npcr digest: "
            << HexEncode(ByteView(a.attested.quote.pcrDigest.buffer, a.attested.quote.pcrDigest.size))
            << "\nsigning algorithm: " << m->signing_algorithm() << "\n";
  std::vector<Bytes> values;
  for (const std::string& v : m->pcr_values()) {
    std::cout << "pcr value: " << HexEncode(AsBytes(v)) << "\n";
    values.push_back(ToBytes(v));
  }
  if (auto meas = attest::tpm::PcrMeasurement(a.attested.quote.pcrSelect, values); meas.ok()) {
    std::cout << "measurement (unverified): " << HexEncode(*meas) << "\n";
  }
  return 0;
}

int Verify(const TpmCommands& t) {
  auto m = LoadEvidence(t.evidence);
  if (!m.ok()) return Usage("reading", m.status());
  auto raw_ak = ReadFile(t.ak, 4096);
  if (!raw_ak.ok()) return Usage("reading --ak", raw_ak.status());
  auto ak = attest::ParseAttestationKey(*raw_ak);
  if (!ak.ok()) {
    std::cout << "verdict: INVALID\nreason: attestation key " << t.ak << ": " << ak.status().message() << "\n";
    return 1;
  }
  auto att = attest::VerifyTpmAttestation(*m, *ak);
  if (!att.ok()) {
    std::cout << "verdict: INVALID\nreason: " << att.status().message() << "\n";
    return 1;
  }
  std::cout << "quote: ECDSA P-256/SHA-256 signature by the attestation key: ok\n"
            << "quote: qualifying data is SHA-256 of the attested user data: ok\n"
            << "quote: PCR values match the quoted digest: ok\n"
            << "pcr selection: " << attest::tpm::PcrSelectionText(att->selection) << "\n"
            << "measurement: " << HexEncode(att->measurement) << "\n"
            << "verdict: VALID\n";
  return 0;
}

}  // namespace

void AddTpmCommands(CLI::App& app, TpmCommands& t) {
  t.quote = app.add_subcommand("tpm-quote", "record TPM quote evidence on this TPM (tpm-enclave platform dir)");
  t.quote->add_option("--platform-dir", t.platform_dir, "the TPM platform directory (<token-dir>/platform)")
      ->required();
  t.quote->add_option("--tcti", t.tcti, "TSS TCTI (default $CF_PKCS11_TPM_TCTI, else device:/dev/tpmrm0)");
  t.quote->add_option("--pcrs", t.pcrs, "PCRs to quote (default 7)");
  t.quote->add_option("--out", t.out, "where to write the evidence")->required();
  t.display = app.add_subcommand("tpm-display", "print the fields of TPM quote evidence (not verified)");
  t.display->add_option("EVIDENCE", t.evidence, "serialized tpm_attestation_message")->required();
  t.verify = app.add_subcommand("tpm-verify", "verify TPM quote evidence against an attestation key");
  t.verify->add_option("EVIDENCE", t.evidence, "serialized tpm_attestation_message")->required();
  t.verify->add_option("--ak", t.ak, "the attestation key: ak.pub of the platform directory")->required();
}

int RunTpmCommands(const TpmCommands& t) {
  if (*t.quote) return Quote(t);
  if (*t.display) return Display(t);
  if (*t.verify) return Verify(t);
  return -1;
}

}  // namespace cf::tools
