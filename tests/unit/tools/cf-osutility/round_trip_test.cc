// cf-osutility round trips through every flag and format on both backends: keys generated and read back,
// items put and got in raw/hex/base64/key_message/cryptstore_entry, public keys as DER SPKI, version rules,
// both flag spellings, domains kept apart, import/export between backends, a 10 MiB blob.
#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/ossl.h"
#include "proto/certifier.pb.h"
#include "proto/cryptstore.pb.h"
#include "tests/unit/tools/cf-osutility/osutil_runner.h"

namespace cf::osutil::testing {
namespace {

class BackendTest : public OsutilTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    OsutilTest::SetUp();
    Ok({"--init-trust"});
  }
  std::string Ok(std::vector<std::string> args, const std::string& input = "") {
    args.push_back("--backend");
    args.push_back(GetParam());
    return OsutilTest::Ok(args, input);
  }
  RunResult Run(std::vector<std::string> args, const std::string& input = "") {
    args.push_back("--backend");
    args.push_back(GetParam());
    return OsutilTest::Run(args, input);
  }
};

TEST_P(BackendTest, GeneratedSymmetricKeyReadsBackInEveryFormat) {
  Ok({"--generate-and-save-key", "--symmetric-algorithm", "aes-256-cbc-hmac-sha256", "--tag", "vol"});
  std::string raw = Ok({"--get-item", "--tag", "vol", "--output-format", "raw"});
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_EQ(Ok({"--get-item", "--tag", "vol", "--output-format", "hex"}), HexEncode(AsBytes(raw)) + "\n");
  EXPECT_EQ(Ok({"--get-item", "--tag", "vol", "--output-format", "base64"}), Base64Encode(AsBytes(raw)) + "\n");
  wire::key_message key;
  ASSERT_TRUE(
      key.ParseFromString(Ok({"--get-item", "--tag", "vol", "--output-format", "key-message-serialized-protobuf"})));
  EXPECT_EQ(key.key_type(), "aes-256-cbc-hmac-sha256");
  EXPECT_EQ(key.secret_key_bits(), raw);
  wire::cryptstore_entry entry;
  ASSERT_TRUE(entry.ParseFromString(Ok({"--get-item", "--tag", "vol", "--output-format", "serialized-protobuf"})));
  EXPECT_EQ(entry.tag(), "vol");
  EXPECT_EQ(entry.type(), "key-message-serialized-protobuf");
  EXPECT_EQ(entry.version(), 1);
  EXPECT_FALSE(entry.exportable());  // the framework's default, --exportable=false (issue 11 item 6)
  EXPECT_EQ(entry.blob(), key.SerializeAsString());
  // --output-file writes the same bytes to a file and nothing to stdout.
  EXPECT_EQ(Ok({"--get-item", "--tag", "vol", "--output-file", Path("vol.key")}), "");
  EXPECT_EQ(ReadAll(Path("vol.key")), raw);
}

TEST_P(BackendTest, PutItemAcceptsEveryInputFormat) {
  const std::string value = std::string("bytes\0with\xffnul", 14);
  WriteAll(Path("raw"), value);
  WriteAll(Path("hex"), HexEncode(AsBytes(value)) + "\n");
  WriteAll(Path("b64"), Base64Encode(AsBytes(value)) + "\n");
  wire::cryptstore_entry e;
  e.set_type("binary-blob");
  e.set_blob(value);
  e.set_exportable(true);
  WriteAll(Path("entry"), e.SerializeAsString());
  Ok({"--put-item", Path("raw"), "--tag", "raw", "--exportable"});
  Ok({"--put-item", Path("hex"), "--tag", "hex", "--input-format", "hex", "--exportable"});
  Ok({"--put-item", Path("b64"), "--tag", "b64", "--input-format", "base64", "--exportable"});
  Ok({"--put-item", Path("entry"), "--tag", "entry", "--input-format", "cryptstore-entry"});
  Ok({"--put-item", "-", "--tag", "stdin", "--exportable"}, value);
  for (const char* tag : {"raw", "hex", "b64", "entry", "stdin"}) {
    EXPECT_EQ(Ok({"--get-item", "--tag", tag}), value) << tag;
  }
  // A key_message put as such is stored as the framework stores keys.
  wire::key_message key;
  key.set_key_name("imported");
  key.set_key_type("aes-256-gcm");
  key.set_secret_key_bits(std::string(32, '\x42'));
  WriteAll(Path("key"), key.SerializeAsString());
  Ok({"--put-item", Path("key"), "--tag", "imported", "--input-format", "key-message-serialized-protobuf",
      "--exportable"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "imported"}), std::string(32, '\x42'));
}

TEST_P(BackendTest, FollowsTheFrameworkVersionRules) {
  WriteAll(Path("v"), "one");
  Ok({"--put-item", Path("v"), "--tag", "t", "--exportable"});
  WriteAll(Path("v"), "two");
  Ok({"--put-item", Path("v"), "--tag", "t", "--exportable"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "t"}), "two");
  EXPECT_EQ(Ok({"--get-item", "--tag", "t", "--version", "0"}), "two");
  EXPECT_EQ(Ok({"--get-item", "--tag", "t", "--version", "1"}), "one");
  WriteAll(Path("v"), "five");
  Ok({"--put-item", Path("v"), "--tag", "t", "--version", "5", "--exportable"});
  EXPECT_EQ(Ok({"--earliest-version", "--tag", "t"}), "1\n");
  EXPECT_EQ(Ok({"--latest-version", "--tag", "t"}), "5\n");
  EXPECT_EQ(Ok({"--get-item", "--tag", "t"}), "five");
  // An existing version is never overwritten; a missing one is "not found".
  RunResult dup = Run({"--put-item", Path("v"), "--tag", "t", "--version", "5"});
  EXPECT_EQ(dup.exit_code, 3);
  EXPECT_EQ(Ok({"--get-item", "--tag", "t", "--version", "5"}), "five");
  RunResult missing = Run({"--get-item", "--tag", "t", "--version", "3"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  // Rotating a generated key is putting a new version.
  Ok({"--generate-and-save-key", "--tag", "k"});
  Ok({"--generate-and-save-key", "--tag", "k"});
  EXPECT_EQ(Ok({"--latest-version", "--tag", "k"}), "2\n");
  EXPECT_NE(Ok({"--get-item", "--tag", "k", "--version", "1"}), Ok({"--get-item", "--tag", "k"}));
}

TEST_P(BackendTest, PublicKeysReadAsDerAndPrivateOnesAsPkcs8OnThisVm) {
  // WIRE.md: --get-item reads an entry whatever its exportable flag (exportable governs leaving the VM).
  for (const char* alg : {"rsa-2048", "ecc-256", "ecc_p384"}) {
    Ok({"--generate-and-save-key", "--public-key-algorithm", alg, "--tag", alg, "--exportable=false"});
    std::string der = Ok({"--get-item", "--tag", alg, "--output-format", "public-der"});
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ossl::PKey pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
    EXPECT_TRUE(pub) << alg;
    std::string pkcs8 = Ok({"--get-item", "--tag", alg, "--output-format", "raw"});
    const unsigned char* q = reinterpret_cast<const unsigned char*>(pkcs8.data());
    ossl::PKey priv(d2i_AutoPrivateKey(nullptr, &q, static_cast<long>(pkcs8.size())));
    EXPECT_TRUE(priv) << alg;
  }
  // An exportable private key leaves as PKCS#8; its public half stored alone leaves as SPKI with raw.
  Ok({"--generate-and-save-key", "--public-key-algorithm", "rsa-3072", "--tag", "exp"});
  std::string pkcs8 = Ok({"--get-item", "--tag", "exp"});
  const unsigned char* p = reinterpret_cast<const unsigned char*>(pkcs8.data());
  ossl::PKey priv(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pkcs8.size())));
  ASSERT_TRUE(priv);
  EXPECT_EQ(EVP_PKEY_get_bits(priv.get()), 3072);
  wire::key_message key;
  ASSERT_TRUE(
      key.ParseFromString(Ok({"--get-item", "--tag", "exp", "--output-format", "key-message-serialized-protobuf"})));
  wire::rsa_message* rsa = key.mutable_rsa_key();
  rsa->clear_private_exponent();
  rsa->clear_private_p();
  rsa->clear_private_q();
  rsa->clear_private_dp();
  rsa->clear_private_dq();
  rsa->clear_private_iqmp();
  key.set_key_type("rsa-3072-public");
  WriteAll(Path("pub"), key.SerializeAsString());
  Ok({"--put-item", Path("pub"), "--tag", "pub", "--input-format", "key-message-serialized-protobuf"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "pub", "--output-format", "raw"}),
            Ok({"--get-item", "--tag", "exp", "--output-format", "public-der"}));
}

TEST_P(BackendTest, StoresAndReturnsATenMebibyteBlob) {
  std::string big(10u << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  WriteAll(Path("big"), big);
  Ok({"--put-item", Path("big"), "--tag", "big", "--exportable"});
  Ok({"--get-item", "--tag", "big", "--output-file", Path("big.out")});
  EXPECT_TRUE(ReadAll(Path("big.out")) == big);
}

TEST_P(BackendTest, PrintDescribesEntriesWithoutSecretBytes) {
  Ok({"--generate-and-save-key", "--tag", "sym"});
  Ok({"--generate-and-save-key", "--public-key-algorithm", "ecc-384", "--tag", "ec"});
  WriteAll(Path("blob"), "hello");
  Ok({"--put-item", Path("blob"), "--tag", "blob"});
  std::string secret = HexEncode(AsBytes(Ok({"--get-item", "--tag", "sym"})));
  std::string printed = Ok({"--print-cryptstore"});
  EXPECT_NE(printed.find("tag: sym\ttype: key-message-serialized-protobuf\tversion: 1"), std::string::npos);
  EXPECT_NE(printed.find("key aes-256-gcm 'sym' (32-byte secret)"), std::string::npos);
  EXPECT_NE(printed.find("key ecc-384-private 'ec'"), std::string::npos);
  EXPECT_NE(printed.find("blob 5 bytes sha256 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
            std::string::npos);
  EXPECT_NE(printed.find("exportable: no"), std::string::npos);
  EXPECT_EQ(printed.find(secret), std::string::npos);
  // --print-cryptstore next to another operation prints after it.
  std::string after = Ok({"--put-item", Path("blob"), "--tag", "blob", "--print_cryptstore=true"});
  EXPECT_NE(after.find("tag: blob\ttype: binary-blob\tversion: 2"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, ::testing::Values("sqlite", "cf-file"),
                         [](const auto& info) { return info.param == "sqlite" ? "Sqlite" : "CfFile"; });

TEST_F(OsutilTest, AcceptsTheFrameworkUnderscoreSpellings) {
  Ok({"--init_trust=true", "--enclave_type", "simulated-enclave", "--cryptstore_name", "other.sqlite",
      "--save_cryptstore=false"});
  WriteAll(Path("in"), "underscore");
  Ok({"--put_item", Path("in"), "--tag", "u", "--type", "binary-blob", "--cryptstore_name", "other.sqlite",
      "--exportable"});
  EXPECT_EQ(Ok({"--get_item", "--tag", "u", "--output_format", "hex", "--output_file", "-", "--cryptstore_name",
                "other.sqlite"}),
            HexEncode(AsBytes("underscore")) + "\n");
  EXPECT_TRUE(std::filesystem::exists(token_dir_ + "/other.sqlite"));
  EXPECT_EQ(Ok({"--latest_version", "--tag", "u", "--cryptstore_name", "other.sqlite"}), "1\n");
  Ok({"--generate_and_save_key", "--symmetric_key_algorithm", "aes-256", "--tag", "s", "--cryptstore_name",
      "other.sqlite"});
  Ok({"--generate_and_save_key", "--public_key_algorithm", "rsa_4096", "--tag", "r", "--cryptstore_name",
      "other.sqlite"});
  EXPECT_NE(Ok({"--print_cryptstore", "--cryptstore_name", "other.sqlite"}).find("rsa-4096-private"),
            std::string::npos);
}

TEST_F(OsutilTest, PolicyDomainsAreIndependentStores) {
  Ok({"--init-trust", "--policy-domain", "alpha"});
  Ok({"--init-trust", "--policy-domain", "beta"});
  WriteAll(Path("a"), "alpha-secret");
  Ok({"--put-item", Path("a"), "--tag", "shared-name", "--policy-domain", "alpha", "--exportable"});
  WriteAll(Path("b"), "beta-secret");
  Ok({"--put-item", Path("b"), "--tag", "shared-name", "--policy_domain_name", "beta", "--exportable"});
  Ok({"--put-item", Path("b"), "--tag", "shared-name", "--policy-domain", "beta", "--exportable"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "shared-name", "--policy-domain", "alpha"}), "alpha-secret");
  EXPECT_EQ(Ok({"--latest-version", "--tag", "shared-name", "--policy-domain", "alpha"}), "1\n");
  EXPECT_EQ(Ok({"--latest-version", "--tag", "shared-name", "--policy-domain", "beta"}), "2\n");
  EXPECT_TRUE(std::filesystem::exists(token_dir_ + "/domains/alpha/cryptstore.sqlite"));
  // The default domain was never initialised: it is not found, and a third domain is not either.
  EXPECT_EQ(Run({"--get-item", "--tag", "shared-name"}).exit_code, 2);
  EXPECT_EQ(Run({"--get-item", "--tag", "shared-name", "--policy-domain", "gamma"}).exit_code, 2);
}

TEST_F(OsutilTest, ExportsFromOneBackendAndImportsIntoTheOther) {
  Ok({"--init-trust"});
  Ok({"--init-trust", "--backend", "cf-file"});
  Ok({"--generate-and-save-key", "--tag", "k", "--exportable"});
  Ok({"--generate-and-save-key", "--tag", "k", "--exportable"});
  WriteAll(Path("n"), "note");
  Ok({"--put-item", Path("n"), "--tag", "n", "--version", "7", "--exportable"});
  Ok({"--put-item", Path("n"), "--tag", "stays"});  // not exportable: withheld from the file
  Ok({"--export-cryptstore", Path("plain.bin")});
  wire::cryptstore exported;
  ASSERT_TRUE(exported.ParseFromString(ReadAll(Path("plain.bin"))));
  EXPECT_EQ(exported.entries_size(), 3);
  Ok({"--import-cryptstore", Path("plain.bin"), "--backend", "cf-file"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "k", "--version", "1", "--backend", "cf-file"}),
            Ok({"--get-item", "--tag", "k", "--version", "1"}));
  EXPECT_EQ(Ok({"--latest-version", "--tag", "n", "--backend", "cf-file"}), "7\n");
  // What may not leave did not move.
  EXPECT_EQ(Run({"--get-item", "--tag", "stays", "--backend", "cf-file"}).exit_code, 2);
  // Importing the same entries again refuses the duplicate versions and keeps what is stored.
  RunResult again = Run({"--import-cryptstore", Path("plain.bin"), "--backend", "cf-file"});
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_EQ(Ok({"--latest-version", "--tag", "k", "--backend", "cf-file"}), "2\n");
  // And back into a fresh sqlite domain.
  Ok({"--init-trust", "--policy-domain", "copy"});
  Ok({"--export-cryptstore", Path("plain2.bin"), "--backend", "cf-file"});
  Ok({"--import-cryptstore", Path("plain2.bin"), "--policy-domain", "copy"});
  EXPECT_EQ(Ok({"--get-item", "--tag", "k", "--policy-domain", "copy"}), Ok({"--get-item", "--tag", "k"}));
}

}  // namespace
}  // namespace cf::osutil::testing
