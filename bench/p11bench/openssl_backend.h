// The --openssl column: the crypto benchmarks done with OpenSSL EVP in this process, the limit a software token
// can approach. Token-only benchmarks are reported as n/a.
#pragma once

#include "bench/p11bench/bench_context.h"

namespace cf::bench {

Status RunOpenssl(Context& ctx);

}  // namespace cf::bench
