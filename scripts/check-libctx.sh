#!/usr/bin/env bash
# Fails when module code makes an OpenSSL call that runs in the application's default library context instead of
# the module's own (common/ossl_context.h, issue 15): implicit fetches (EVP_sha256(), EVP_aes_256_gcm(), ...),
# nullptr library contexts, the non-_ex decoders and constructors, legacy one-shot helpers and engines. Run by
# ctest (libctx.no-default-context-calls). A line that must keep such a call says why and ends in `// libctx-ok`.
#
# usage: scripts/check-libctx.sh [REPO_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
dirs=(common proto cryptstore attest entries tokendir pkcs11 certifier tools keyservice)
existing=()
for d in "${dirs[@]}"; do [ -d "$d" ] && existing+=("$d"); done

banned=(
  'EVP_(md5|sha[0-9_]*|sha3_[0-9]+|shake[0-9]+|aes_[0-9a-z_]+|chacha20[a-z0-9_]*|des_[a-z0-9_]+|sm3|ripemd160)\('
  'EVP_(MD|CIPHER|MAC|KDF|KEYMGMT|SIGNATURE|KEM|ASYM_CIPHER|KEYEXCH|RAND|ENCODER|DECODER)_fetch\(nullptr'
  'EVP_get_(digest|cipher)by(name|nid|obj)\('
  'EVP_PKEY_CTX_new(_id)?\('
  'EVP_PKEY_CTX_new_from_(name|pkey)\(nullptr'
  '(EVP_PKEY_Q_keygen|EVP_PKEY_new_raw_(private|public)_key_ex|RAND_(priv_)?bytes_ex|BN_CTX_(secure_)?new_ex)\(nullptr'
  '(X509_new_ex|X509_STORE_CTX_new_ex|X509_REQ_new_ex|X509_CRL_new_ex|EC_GROUP_new_by_curve_name_ex)\(nullptr'
  'EVP_(RSA|EC)_gen\('
  'EVP_PKEY_new_raw_(private|public)_key\('
  'EVP_PKEY_new_(mac|CMAC)_key\('
  'EVP_Digest(Sign|Verify)Init\('
  'EVP_Digest(Sign|Verify)Init_ex\([^;]*nullptr, nullptr, [a-z_.>()-]+, nullptr\)'
  'EVP_DigestInit(_ex)?\('
  'EVP_(Encrypt|Decrypt|Cipher)Init(_ex)?\('
  'EVP_Q_(digest|mac)\(nullptr'
  '[^_]HMAC\('
  'PKCS5_PBKDF2_HMAC'
  'RAND_(priv_)?bytes\('
  'BN_CTX_(secure_)?new\(\)'
  'EC_GROUP_new_by_curve_name\('
  'd2i_(AutoPrivateKey|PrivateKey|PUBKEY)\('
  'd2i_X509\(nullptr'
  'PEM_read_bio_(X509|PrivateKey|PUBKEY|Parameters)\([^,]+, nullptr'
  '(X509|X509_REQ|X509_CRL|X509_STORE_CTX)_new\(\)'
  'OSSL_(EN|DE)CODER_CTX_new_for_pkey\([^;]*, nullptr\)'
  'ENGINE_'
)
pattern=$(IFS='|'; echo "${banned[*]}")
# Comments may name the banned calls: only the code before a `//` counts.
hits=$(grep -rnE --include='*.cc' --include='*.h' "$pattern" "${existing[@]}" | grep -v '// libctx-ok' |
  PATTERN="$pattern" perl -ne 'my ($where, $code) = /^([^:]+:\d+:)(.*)$/ or next; $code =~ s{//.*}{};
    print if $code =~ /$ENV{PATTERN}/' || true)
if [ -n "$hits" ]; then
  echo "check-libctx: OpenSSL calls in the application's default library context (use LibCtx()/kPropQuery," >&2
  echo "the _ex forms, ossl::Fetched*, ossl::NewX509/D2iX509; see common/ossl_context.h):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check-libctx: no default-context OpenSSL calls in ${existing[*]}"
