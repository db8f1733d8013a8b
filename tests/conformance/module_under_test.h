// The conformance suite's view of one PKCS#11 module: dlopen'ed once per process, given a fresh token directory,
// its token initialised through C_InitToken/C_InitPIN. Owns only loading and token setup; the tests use nothing
// but the module's function lists, so the same test runs unchanged against our module and SoftHSMv2.
#ifndef CF_TESTS_CONFORMANCE_MODULE_UNDER_TEST_H_
#define CF_TESTS_CONFORMANCE_MODULE_UNDER_TEST_H_

#include <string>

#include "pkcs11/include/pkcs11_types.h"

namespace cf::conformance {

inline constexpr char kSoPin[] = "12345678";
inline constexpr char kUserPin[] = "87654321";
inline constexpr char kTokenLabel[] = "conformance";

// Names accepted as the suite parameter.
inline constexpr char kOurs[] = "ours";
inline constexpr char kSoftHsm[] = "softhsm";

struct ModuleUnderTest {
  std::string name;  // kOurs or kSoftHsm
  std::string path;
  std::string work_dir;  // fresh per process: token directory (and SoftHSM's configuration file)
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR fl = nullptr;
  CK_FUNCTION_LIST_3_0_PTR fl3 = nullptr;  // null when the module offers no 3.0 interface
  CK_SLOT_ID slot = 0;                     // the slot whose token this suite initialised
  bool initialized = false;                // C_Initialize has succeeded and no C_Finalize since
  bool token_ready = false;                // the suite's token exists: re-find its slot after C_Initialize
  std::string setup_error;                 // non-empty when loading or token setup failed: the tests fail with it

  bool IsOurs() const { return name == kOurs; }
  bool IsSoftHsm() const { return name == kSoftHsm; }
  // C_Initialize(CKF_OS_LOCKING_OK) unless already initialised, then the token's slot is looked up again; returns the
  // CK_RV (CKR_OK when nothing to do, CKR_SLOT_ID_INVALID when the token is no longer found).
  CK_RV EnsureInitialized();
  // C_Finalize(NULL) if initialised.
  CK_RV Finalize();
};

// The module for a parameter name, loaded and its token set up on first use (the token directory and
// environment are set before the first C_Initialize). Never unloaded: modules may run exit handlers.
ModuleUnderTest& GetModule(const std::string& name);

}  // namespace cf::conformance

#endif  // CF_TESTS_CONFORMANCE_MODULE_UNDER_TEST_H_
