// Tests for BlobCipher: key separation, keyed ids, GCM round trips and every way a sealed payload
// or a wrapped key can be wrong (damage, other key, other context) being refused.
#include "backup_service/datapath/blob_cipher.h"

#include <gtest/gtest.h>

#include "backup_service/datapath/datapath_test_util.h"

namespace bb {
namespace {

Key256 TestKey(uint8_t seed) {
  Key256 k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed * 31 + i);
  return k;
}

TEST(BlobCipherTest, DerivedKeysAreDistinctAndDeterministic) {
  ContainerKeys a = DeriveContainerKeys(TestKey(1));
  ContainerKeys b = DeriveContainerKeys(TestKey(1));
  ContainerKeys c = DeriveContainerKeys(TestKey(2));
  EXPECT_EQ(a.id_key, b.id_key);
  EXPECT_EQ(a.enc_key, b.enc_key);
  EXPECT_NE(a.id_key, a.enc_key);
  EXPECT_NE(a.id_key, c.id_key);
  EXPECT_NE(a.id_key, Key256{});
  EXPECT_NE(a.id_key, TestKey(1));  // never the container key itself
}

TEST(BlobCipherTest, KeyedIdsDifferAcrossContainersAndFromSha256) {
  ContainerKeys a = DeriveContainerKeys(TestKey(1));
  ContainerKeys b = DeriveContainerKeys(TestKey(2));
  std::string chunk = testing_util::RandomBytes(32768, 3);
  EXPECT_EQ(KeyedBlobId(a, chunk), KeyedBlobId(a, chunk));  // dedup within a container
  EXPECT_NE(KeyedBlobId(a, chunk), KeyedBlobId(b, chunk));  // nothing shared across containers
  EXPECT_NE(KeyedBlobId(a, chunk), Sha256Id(chunk));
  EXPECT_NE(KeyedBlobId(a, chunk), KeyedBlobId(a, chunk + "x"));
}

TEST(BlobCipherTest, SealOpenRoundTrip) {
  Key256 key = DeriveContainerKeys(TestKey(1)).enc_key;
  for (size_t size : {size_t{0}, size_t{1}, size_t{32768}}) {
    std::string plain = testing_util::RandomBytes(size, 4);
    auto sealed = Seal(key, plain, "header");
    ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
    EXPECT_EQ(sealed->size(), plain.size() + kSealOverhead);
    if (size >= 32) {  // a short plaintext can occur in random bytes by chance
      EXPECT_EQ(sealed->find(plain), std::string::npos);
    }
    auto back = Open(key, *sealed, "header", "blob");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == plain);
  }
  // Random nonces: sealing the same plaintext twice gives different bytes.
  EXPECT_NE(*Seal(key, "same", ""), *Seal(key, "same", ""));
}

TEST(BlobCipherTest, EveryDamagedByteWrongKeyOrContextIsDataLoss) {
  Key256 key = DeriveContainerKeys(TestKey(1)).enc_key;
  std::string plain = "chunk payload that must not be altered";
  auto sealed = Seal(key, plain, "aad-1");
  ASSERT_TRUE(sealed.ok());
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] ^= 0x01;
    auto r = Open(key, bad, "aad-1", "pack P: blob B");
    ASSERT_EQ(r.status().code(), StatusCode::kDataLoss) << "byte " << i;
    EXPECT_NE(r.status().message().find("pack P: blob B"), std::string::npos);
  }
  EXPECT_EQ(Open(key, *sealed, "aad-2", "b").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Open(DeriveContainerKeys(TestKey(2)).enc_key, *sealed, "aad-1", "b").status().code(),
            StatusCode::kDataLoss);
  for (size_t len = 0; len < sealed->size(); ++len) {
    EXPECT_EQ(Open(key, sealed->substr(0, len), "aad-1", "b").status().code(),
              StatusCode::kDataLoss)
        << "truncated to " << len;
  }
  EXPECT_EQ(Seal(Key256{}, "x", "").status().code(), StatusCode::kInternal);
}

TEST(BlobCipherTest, WrongMasterKeyIsRefusedBeforeAnyData) {
  Key256 master = TestKey(7), other = TestKey(8);
  auto container_key = RandomKey();
  ASSERT_TRUE(container_key.ok());
  auto wrapped = WrapContainerKey(master, *container_key, 3);
  ASSERT_TRUE(wrapped.ok());
  auto back = UnwrapContainerKey(master, *wrapped, 3, "p1/backups");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *container_key);

  auto wrong = UnwrapContainerKey(other, *wrapped, 3, "p1/backups");
  ASSERT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find("p1/backups"), std::string::npos);
  EXPECT_NE(wrong.status().message().find(MasterKeyId(other)), std::string::npos);
  // The generation is authenticated: a wrapped key cannot pass for another generation's.
  EXPECT_EQ(UnwrapContainerKey(master, *wrapped, 4, "c").status().code(),
            StatusCode::kFailedPrecondition);
  std::string damaged = *wrapped;
  damaged[damaged.size() / 2] ^= 1;
  EXPECT_EQ(UnwrapContainerKey(master, damaged, 3, "c").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(BlobCipherTest, MasterKeyIdIsShortAndDoesNotRevealTheKey) {
  Key256 master = TestKey(7);
  std::string id = MasterKeyId(master);
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id, MasterKeyId(master));
  EXPECT_NE(id, MasterKeyId(TestKey(8)));
  EXPECT_EQ(BlobIdHex(Sha256Id(std::string_view(reinterpret_cast<const char*>(master.data()),
                                                master.size())))
                .substr(0, 16),
            id);
}

TEST(BlobCipherTest, RandomKeysDiffer) {
  auto a = RandomKey(), b = RandomKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace bb
