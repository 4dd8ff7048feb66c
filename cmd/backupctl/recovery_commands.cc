// backupctl commands of verification and disaster recovery (datapath/README.md "Disaster
// recovery: the store alone is enough"):
//   backup verify BACKUP_ID            re-reads and checks every object of the backup; prints
//                                      what was checked; exit 1 with DATA_LOSS naming the
//                                      damaged object.
//   catalog rebuild [--container C]    admin: recreates the database rows of every backup whose
//                                      manifest is in the project's container C.
//   gc [--container C]                 admin: runs the garbage collector of the project's
//                                      container C now (packs deleted and repacked, v1 chunks
//                                      swept); prints what it removed and rewrote.
#include <iostream>

#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"

namespace bb::cli {
namespace {

// The answer of a recovery command: JSON with --json, else as a record.
void PrintResponse(Cli& cli, const google::protobuf::Message& response) {
  if (cli.json()) {
    cli.PrintJson(MessageToJson(response));
  } else {
    PrintRecord(MessageToJson(response));
  }
}

int Verify(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::VerifyBackupRequest request;
  request.set_backup_id(args.words[2]);
  v1::VerifyBackupResponse response;
  // A verify reads the whole backup: allow it as long as a restore's reads take.
  grpc::Status s = cli.backups().VerifyBackup(cli.NewContext(std::chrono::seconds(3600)).get(),
                                              request, &response);
  if (!s.ok()) return cli.Fail(s);
  PrintResponse(cli, response);
  return kExitOk;
}

int RebuildCatalog(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::RebuildCatalogRequest request;
  request.set_container(args.Value("container"));
  v1::RebuildCatalogResponse response;
  grpc::Status s = cli.backups().RebuildCatalog(cli.NewContext(std::chrono::seconds(600)).get(),
                                                request, &response);
  if (!s.ok()) return cli.Fail(s);
  PrintResponse(cli, response);
  // Skipped manifests are backups the catalog still lacks: say so in the exit status.
  return response.skipped().empty() ? kExitOk : kExitFailed;
}

int CollectGarbage(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::CollectGarbageRequest request;
  request.set_container(args.Value("container"));
  v1::CollectGarbageResponse response;
  // A collection copies the live blobs of the packs it repacks: up to a container's worth.
  grpc::Status s = cli.backups().CollectGarbage(cli.NewContext(std::chrono::seconds(3600)).get(),
                                                request, &response);
  if (!s.ok()) return cli.Fail(s);
  PrintResponse(cli, response);
  return kExitOk;
}

}  // namespace

std::vector<Command> RecoveryCommands() {
  return {
      {"backup",
       "verify",
       {"BACKUP_ID"},
       {},
       {},
       "re-read every object of an available backup (manifest, chunk lists, packs) and check "
       "digests and GCM tags, writing nothing; DATA_LOSS names the damaged object",
       Verify},
      {"catalog",
       "rebuild",
       {},
       {},
       {"container"},
       "admin: recreate the database rows (as available) of every backup whose manifest is in "
       "the project's container in the object store; exit 1 if a manifest was skipped",
       RebuildCatalog},
      {"gc",
       "",
       {},
       {},
       {"container"},
       "admin: run the garbage collector of the project's container now (as a delete does): "
       "packs no backup uses deleted, partly used ones repacked, v1 chunks swept; prints packs "
       "and bytes before/after and what was removed and rewritten",
       CollectGarbage},
  };
}

}  // namespace bb::cli
