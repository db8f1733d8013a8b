// The crypto benchmarks through a PKCS#11 module: keys generated or created in the token, every result checked
// once with OpenSSL (independently of the module) before it is timed.
#pragma once

#include "bench/p11bench/bench_context.h"
#include "bench/p11bench/module.h"
#include "bench/p11bench/token_ops.h"

namespace cf::bench {

Status RunP11Crypto(Context& ctx, Module& module, CK_SLOT_ID slot, TokenOps& ops);

}  // namespace cf::bench
