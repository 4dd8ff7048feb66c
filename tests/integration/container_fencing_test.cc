// Garbage collection fenced across daemons: a backup on daemon A that found its chunks already
// stored is paused before writing its manifest; meanwhile daemon B deletes the backup that
// stored those chunks, in the same container. B's collection must wait for A's backup (the
// container's PostgreSQL advisory lock), or A's backup would refer to chunks B removed. The
// proof is A's backup restored bit-exact afterwards.
#include "tests/integration/multi_daemon_fixture.h"

namespace bb::it {
namespace {

TEST_F(MultiDaemonTest, ACollectorOnOneDaemonNeverRemovesChunksABackupOnAnotherReuses) {
  Start(a_, NewHost("a"), {"failpoints = create.before_manifest=delay:5000"});
  Start(b_, NewHost("b"));
  v1::Volume volume = CreateVolumeOn(b_, 1, "deduplicated");
  WriteSharedPattern(volume.id(), 0, 16 * kMiB, 5);

  CliRun first = CliOn(b_, {"--json", "backup", "create", volume.id(), "--wait"});
  ASSERT_EQ(first.code, 0) << first.Describe();
  std::string old_id = first.Json()["id"];
  int chunks = CountChunkObjects();
  ASSERT_GT(chunks, 0);

  // The same data through A: every chunk is found already stored; A then pauses for 5 s before
  // its manifest, still holding the container shared.
  CliRun second = CliOn(a_, {"--json", "backup", "create", volume.id()});
  ASSERT_EQ(second.code, 0) << second.Describe();
  std::string new_id = second.Json()["id"];
  v1::Backup copying = WaitFor(a_, new_id, [](const v1::Backup& b) {
    return b.status() != "creating" || (b.bytes_total() > 0 && b.bytes_done() == b.bytes_total());
  });
  ASSERT_EQ(copying.status(), "creating") << "the backup did not pause before its manifest";

  // Delete the first backup through B while A is paused: B's collection must wait for A.
  CliRun deleted = CliOn(b_, {"backup", "delete", old_id});
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  EXPECT_EQ(WaitResting(a_, new_id).status(), "available");
  EXPECT_EQ(WaitResting(b_, old_id).status(), "gone");
  EXPECT_EQ(CountChunkObjects(), chunks) << "chunks the new backup refers to were collected";

  CliRun restored = CliOn(b_, {"--json", "backup", "restore", new_id, "--name", "check", "--wait"});
  ASSERT_EQ(restored.code, 0) << restored.Describe();
  std::string target = restored.Json().value("volume_id", "");
  ASSERT_FALSE(target.empty()) << restored.out;
  ExpectSameFiles(SharedVolumeFile(volume.id()), SharedVolumeFile(target));
}

}  // namespace
}  // namespace bb::it
