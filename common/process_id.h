// CurrentPid(): the calling process's id without a system call per use. glibc's getpid() enters the kernel every
// time (expensive in a VM), and the PKCS#11 entry wrapper and the store ask on every call to detect fork.
// Owns only the cached value; it must not be used to decide anything across exec (the cache dies with the image).
#pragma once

#include <sys/types.h>

namespace cf {

// The id of the calling process. Kept right across fork() by a pthread_atfork child handler, so a forked child
// sees its own id at once. (A raw clone() that bypasses the handlers is not supported.)
pid_t CurrentPid();

}  // namespace cf
