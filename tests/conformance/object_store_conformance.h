// ObjectStore conformance suite: the contract of object_store.h, checked against every store.
// Instantiate once per implementation:
//   INSTANTIATE_TEST_SUITE_P(Posix, ObjectStoreConformance,
//                            ::testing::Values(ObjectStoreFactory{"posix", MakePosix}),
//                            ObjectStoreFactoryName);
// Each test gets a fresh store from the factory (e.g. a posix store in a new temp dir).
// Thread-safety: tests only; the concurrency case drives the store from several threads.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "backup_service/object_stores/object_store.h"

namespace bb {

struct ObjectStoreFactory {
  std::string name;  // used as the test-name suffix: letters, digits, '_' only
  std::function<std::unique_ptr<ObjectStore>()> make;
};

// Shown by GoogleTest (and ctest) instead of the raw bytes of the parameter.
inline void PrintTo(const ObjectStoreFactory& f, std::ostream* os) { *os << f.name; }

// For INSTANTIATE_TEST_SUITE_P's name generator argument.
std::string ObjectStoreFactoryName(const ::testing::TestParamInfo<ObjectStoreFactory>& info);

class ObjectStoreConformance : public ::testing::TestWithParam<ObjectStoreFactory> {
 protected:
  void SetUp() override;
  std::unique_ptr<ObjectStore> store_;
  const std::string container_ = "project1/backups";
};

// Makes a fresh directory under $TMPDIR (or /tmp) for stores that need one; removed at exit.
std::string NewTempDirForTest(const std::string& tag);

}  // namespace bb
