// C_GetOperationState / C_SetOperationState (PKCS#11 3.0 section 5.6) over a session's operations: which sessions
// can be saved (exactly one cryptographic operation active, and it a digest), and restoring a saved digest through
// the mechanism registry. The state's bytes are mech/digest_state.h's; nothing is kept in the module.
#pragma once

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/model/session.h"

namespace cf::p11 {

// CKR_OPERATION_NOT_INITIALIZED with no cryptographic operation active (an object search is not one: the spec
// names encryption, decryption, digesting, signing and verification); CKR_STATE_UNSAVEABLE, logged with the
// reason, when one that cannot be saved is. Leaves every operation as it was.
Result<SecureBytes> SaveOperationState(Session& session);

// CKR_SAVED_STATE_INVALID for anything SaveOperationState did not make (or a mechanism this token does not offer),
// CKR_KEY_NOT_NEEDED for a key handle (a digest needs none). On success the session's operations, object search
// included, are cancelled ("abruptly", section 5.6) and the restored digest is its digest operation; on failure
// the session is unchanged.
Status RestoreOperationState(Session& session, ByteView state, CK_OBJECT_HANDLE encryption_key,
                             CK_OBJECT_HANDLE authentication_key);

}  // namespace cf::p11
