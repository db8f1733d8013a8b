// The token benchmarks that are about objects and sessions rather than crypto: session open/close, login, object
// creation and destruction as the token grows, find by label, a fresh process's start-up and peak RSS.
#pragma once

#include "bench/p11bench/bench_context.h"
#include "bench/p11bench/module.h"
#include "bench/p11bench/token_ops.h"

namespace cf::bench {

Status RunP11Objects(Context& ctx, Module& module, CK_SLOT_ID slot, TokenOps& ops, const std::string& self_exe);

}  // namespace cf::bench
