// TD report -> platform properties. Measurement registers are strings of hex so a policy names them exactly; the
// SVN bytes are separate ints so a policy can bound each (">=").
#include "certifier/tdx_properties.h"

#include "certifier/properties.h"
#include "common/bytes.h"

namespace cf::certifier {
namespace {

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

}  // namespace

wire::platform TdxPlatform(const attest::tdx::TdReport& b) {
  wire::platform p;
  p.set_platform_type(kTdxPlatformType);
  auto* props = p.mutable_props()->mutable_props();
  *props->Add() = StringProperty("debug", b.debug() ? "yes" : "no");
  for (size_t i = 0; i < b.rtmr.size(); ++i) *props->Add() = StringProperty("rtmr" + std::to_string(i), Hex(b.rtmr[i]));
  *props->Add() = StringProperty("mrconfigid", Hex(b.mr_config_id));
  *props->Add() = StringProperty("mrowner", Hex(b.mr_owner));
  *props->Add() = StringProperty("mrownerconfig", Hex(b.mr_owner_config));
  *props->Add() = StringProperty("mrseam", Hex(b.mr_seam));
  *props->Add() = IntProperty("td-attributes", "=", b.td_attributes);
  *props->Add() = IntProperty("xfam", "=", b.xfam);
  *props->Add() = IntProperty("seam-attributes", "=", b.seam_attributes);
  for (size_t i = 0; i < b.tee_tcb_svn.size(); ++i) {
    *props->Add() = IntProperty("tee-tcb-svn-" + std::to_string(i), "=", b.tee_tcb_svn[i]);
  }
  return p;
}

}  // namespace cf::certifier
