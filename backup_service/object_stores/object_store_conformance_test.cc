// Runs the shared ObjectStore conformance suite (tests/conformance) against every built-in store.
#include "tests/conformance/object_store_conformance.h"

#include <memory>

#include "backup_service/object_stores/memory_store.h"
#include "backup_service/object_stores/posix_store.h"

namespace bb {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Stores, ObjectStoreConformance,
    ::testing::Values(ObjectStoreFactory{"memory", [] { return std::make_unique<MemoryStore>(); }},
                      ObjectStoreFactory{
                          "posix",
                          [] { return std::make_unique<PosixStore>(NewTempDirForTest("os")); }}),
    ObjectStoreFactoryName);

}  // namespace
}  // namespace bb
