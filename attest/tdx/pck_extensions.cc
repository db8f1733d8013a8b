// The SGX extension is DER: SEQUENCE { SEQUENCE { OID, value }... }, the TCB item's value itself such a sequence.
// d2i_ASN1_SEQUENCE_ANY turns each level into ASN1_TYPEs; the OIDs are compared in dotted form.
#include "attest/tdx/pck_extensions.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstring>
#include <string>

#include "common/ossl_stacks.h"

namespace cf::attest::tdx {
namespace {

Status Malformed(const std::string& what) {
  return Status(Code::kInvalidArgument, "PCK certificate SGX extension: " + what);
}

Result<ossl::Asn1Sequence> ParseSequence(const unsigned char* der, long len, const std::string& what) {
  const unsigned char* p = der;
  ossl::Asn1Sequence seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
  if (!seq || p != der + len) {
    ERR_clear_error();
    return Malformed(what + " is not a DER SEQUENCE");
  }
  return seq;
}

std::string Dotted(const ASN1_OBJECT* obj) {
  char buf[80] = {0};
  OBJ_obj2txt(buf, sizeof(buf), obj, 1);
  return buf;
}

// One {OID, value} pair: the OID in dotted form and the value.
Result<std::pair<std::string, const ASN1_TYPE*>> Pair(const ASN1_TYPE* item, ossl::Asn1Sequence* holder) {
  if (item->type != V_ASN1_SEQUENCE) return Malformed("an item is not a SEQUENCE");
  const ASN1_STRING* s = item->value.sequence;
  CF_ASSIGN_OR_RETURN(*holder, ParseSequence(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), "an item"));
  if (sk_ASN1_TYPE_num(holder->get()) != 2 || sk_ASN1_TYPE_value(holder->get(), 0)->type != V_ASN1_OBJECT) {
    return Malformed("an item is not {OID, value}");
  }
  return std::make_pair(Dotted(sk_ASN1_TYPE_value(holder->get(), 0)->value.object),
                        static_cast<const ASN1_TYPE*>(sk_ASN1_TYPE_value(holder->get(), 1)));
}

Result<Bytes> Octets(const ASN1_TYPE* v, const std::string& name, size_t want) {
  if (v->type != V_ASN1_OCTET_STRING) return Malformed(name + " is not an OCTET STRING");
  ByteView b(ASN1_STRING_get0_data(v->value.octet_string),
             static_cast<size_t>(ASN1_STRING_length(v->value.octet_string)));
  if (want != 0 && b.size() != want) {
    return Malformed(name + " is " + std::to_string(b.size()) + " bytes, expected " + std::to_string(want));
  }
  return Bytes(b.begin(), b.end());
}

Result<uint32_t> SmallInteger(const ASN1_TYPE* v, const std::string& name, uint32_t max) {
  int64_t x = -1;
  const bool read = v->type == V_ASN1_INTEGER      ? ASN1_INTEGER_get_int64(&x, v->value.integer) == 1
                    : v->type == V_ASN1_ENUMERATED ? ASN1_ENUMERATED_get_int64(&x, v->value.enumerated) == 1
                                                   : false;
  if (!read || x < 0 || x > max) {
    ERR_clear_error();
    return Malformed(name + " is not an INTEGER in 0.." + std::to_string(max));
  }
  return static_cast<uint32_t>(x);
}

Status ReadTcb(const ASN1_TYPE* v, PckFacts* facts) {
  if (v->type != V_ASN1_SEQUENCE) return Malformed("TCB (.2) is not a SEQUENCE");
  const ASN1_STRING* s = v->value.sequence;
  CF_ASSIGN_OR_RETURN(ossl::Asn1Sequence tcb, ParseSequence(ASN1_STRING_get0_data(s), ASN1_STRING_length(s), "TCB"));
  const std::string prefix = std::string(kSgxExtensionsOid) + ".2.";
  uint32_t seen = 0;  // bit n: component n (1..16), 17 PCESVN, 18 CPUSVN
  for (int i = 0; i < sk_ASN1_TYPE_num(tcb.get()); ++i) {
    ossl::Asn1Sequence holder;
    CF_ASSIGN_OR_RETURN(auto pair, Pair(sk_ASN1_TYPE_value(tcb.get(), i), &holder));
    if (pair.first.rfind(prefix, 0) != 0) continue;
    const std::string tail = pair.first.substr(prefix.size());
    int n = tail.empty() || tail.find_first_not_of("0123456789") != std::string::npos || tail.size() > 2
                ? 0
                : std::stoi(tail);
    if (n >= 1 && n <= 16) {
      CF_ASSIGN_OR_RETURN(uint32_t svn, SmallInteger(pair.second, "TCB component " + tail, 255));
      facts->sgx_tcb_components[n - 1] = static_cast<uint8_t>(svn);
    } else if (n == 17) {
      CF_ASSIGN_OR_RETURN(uint32_t pcesvn, SmallInteger(pair.second, "PCESVN", 65535));
      facts->pce_svn = static_cast<uint16_t>(pcesvn);
    } else if (n == 18) {
      CF_ASSIGN_OR_RETURN(Bytes cpusvn, Octets(pair.second, "CPUSVN", 16));
      std::memcpy(facts->cpu_svn.data(), cpusvn.data(), 16);
    } else {
      continue;
    }
    seen |= 1u << n;
  }
  if (seen != 0x7FFFEu) return Malformed("TCB (.2) lacks some of components 1-16, PCESVN or CPUSVN");
  return Status::Ok();
}

}  // namespace

Result<PckFacts> ReadPckFacts(X509* pck) {
  ossl::Asn1Object oid(OBJ_txt2obj(kSgxExtensionsOid, 1));
  if (!oid) return ossl::Error("OBJ_txt2obj");
  int idx = X509_get_ext_by_OBJ(pck, oid.get(), -1);
  if (idx < 0) return Malformed(std::string("the certificate has none (") + kSgxExtensionsOid + "): not a PCK");
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
  CF_ASSIGN_OR_RETURN(ossl::Asn1Sequence items,
                      ParseSequence(ASN1_STRING_get0_data(value), ASN1_STRING_length(value), "the extension"));
  PckFacts facts;
  bool have_tcb = false, have_fmspc = false, have_pce_id = false;
  const std::string prefix = std::string(kSgxExtensionsOid) + ".";
  for (int i = 0; i < sk_ASN1_TYPE_num(items.get()); ++i) {
    ossl::Asn1Sequence holder;
    CF_ASSIGN_OR_RETURN(auto pair, Pair(sk_ASN1_TYPE_value(items.get(), i), &holder));
    const std::string id = pair.first.rfind(prefix, 0) == 0 ? pair.first.substr(prefix.size()) : "";
    if (id == "1") {
      CF_ASSIGN_OR_RETURN(facts.ppid, Octets(pair.second, "PPID", 16));
    } else if (id == "2") {
      CF_RETURN_IF_ERROR(ReadTcb(pair.second, &facts));
      have_tcb = true;
    } else if (id == "3") {
      CF_ASSIGN_OR_RETURN(Bytes pce_id, Octets(pair.second, "PCE-ID", 2));
      std::memcpy(facts.pce_id.data(), pce_id.data(), 2);
      have_pce_id = true;
    } else if (id == "4") {
      CF_ASSIGN_OR_RETURN(Bytes fmspc, Octets(pair.second, "FMSPC", 6));
      std::memcpy(facts.fmspc.data(), fmspc.data(), 6);
      have_fmspc = true;
    } else if (id == "5") {
      CF_ASSIGN_OR_RETURN(uint32_t type, SmallInteger(pair.second, "SGX type", 2));
      facts.sgx_type = static_cast<int>(type);
    }
  }
  if (!have_tcb || !have_fmspc || !have_pce_id) return Malformed("TCB, FMSPC or PCE-ID item missing");
  return facts;
}

}  // namespace cf::attest::tdx
