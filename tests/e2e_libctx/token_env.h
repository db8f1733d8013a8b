// The one token every test of the process shares (set up by main.cc before the tests run).
#pragma once

#include "token_client.h"

namespace cf::libctx_test {

TokenClient& Token();
// A RW user session on the token; tests that finalize the module open a new one and store it here.
CK_SESSION_HANDLE& Session();

}  // namespace cf::libctx_test
