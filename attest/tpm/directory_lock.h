// Bounded exclusive locks in a TPM platform directory. Both are flock files in the directory, which only the token's
// owner can write, so no other user can hold them or create them first:
// - `.platform.lock` (LockPlatformDirectory): creating the attestation key or the sealing key, and replacing
//   sealing-key files, happen under it, so processes that open a new platform at once end with one of each;
// - `.tpm.lock` (taken by TpmContext::Open): one connection at a time to a TPM without the kernel's resource
//   manager.
// A lock still held after kPlatformLockWait (a hung holder) fails the operation with a message naming the file,
// rather than hanging sshd or nginx behind it.
#pragma once

#include <chrono>
#include <string>

#include "common/atomic_file.h"
#include "common/status.h"

namespace cf::attest::tpm {

inline constexpr std::chrono::seconds kPlatformLockWait{10};

// An exclusive lock on `path`, waited for at most `wait`; `what` says what it guards, for the message.
Result<FileLock> LockPlatformFile(const std::string& path, const std::string& what,
                                  std::chrono::milliseconds wait = kPlatformLockWait);

inline Result<FileLock> LockPlatformDirectory(const std::string& directory) {
  return LockPlatformFile(directory + "/.platform.lock", "changes to the TPM platform files");
}

}  // namespace cf::attest::tpm
