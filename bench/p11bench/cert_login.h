// The certification figures of issue 14, our module only: C_Login with certification off, cached and required
// beside one RSA-2048 C_Sign on the same token, and RSA-2048 signing throughput while another thread's operations
// renew a short-lived admission certificate. Starts no process: bench/p11bench/cert_bench.sh provides the
// Certifier Services, the policy and the token's platform.
#pragma once

#include "bench/p11bench/bench_context.h"
#include "bench/p11bench/module.h"

namespace cf::bench {

// Wipes and initialises the token in ctx.options.certification.token_dir, then prints the rows (ids in
// bench/README.md; results_md.py reads them by name).
Status RunCertification(Context& ctx, Module& module);

}  // namespace cf::bench
