// backupctl service commands (admin: they need the operator token): list the backupd daemons
// sharing the database, and take over the unfinished work of one that is gone.
#include <iostream>

#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"

namespace bb::cli {
namespace {

// "up" or "down", as the lock says; the heartbeat's age in seconds beside it.
std::string State(const v1::Service& s) {
  return std::string(s.alive() ? "up" : "down") + " (heartbeat " +
         std::to_string(s.heartbeat_age_ms() / 1000) + " s ago)";
}

int List(Cli& cli, const CliArgs& /*args*/, const Command& /*command*/) {
  v1::ListServicesResponse response;
  grpc::Status s =
      cli.services().ListServices(cli.NewContext().get(), v1::ListServicesRequest(), &response);
  if (!s.ok()) return cli.Fail(s);
  Json services = Json::array();
  for (const auto& service : response.services()) services.push_back(MessageToJson(service));
  if (cli.json()) {
    cli.PrintJson(Json{{"services", services}, {"answered_by", response.answered_by()}});
    return kExitOk;
  }
  Json rows = Json::array();
  for (const auto& service : response.services()) {
    Json row = MessageToJson(service);
    row["state"] = State(service);
    row["unfinished"] = std::to_string(service.backups_creating()) + " creating, " +
                        std::to_string(service.backups_restoring()) + " restoring, " +
                        std::to_string(service.backups_deleting()) + " deleting";
    rows.push_back(std::move(row));
  }
  PrintTable({"host", "state", "pid", "started_at_us", "heartbeat_at_us", "unfinished"}, rows);
  return kExitOk;
}

int Takeover(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::TakeoverServiceRequest request;
  request.set_host(args.words[2]);
  v1::RecoveryReport report;
  // Recovery removes temporaries and may collect chunks: allow it longer than a plain call.
  grpc::Status s = cli.services().TakeoverService(cli.NewContext(std::chrono::seconds(600)).get(),
                                                  request, &report);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson(MessageToJson(report));
  } else {
    PrintRecord(MessageToJson(report));
  }
  return report.problems().empty() ? kExitOk : kExitFailed;
}

}  // namespace

std::vector<Command> ServiceCommands() {
  return {
      {"service",
       "list",
       {},
       {},
       {},
       "admin: the backupd daemons sharing the database: up or down (its host lock), last "
       "heartbeat, start time, unfinished backups",
       List},
      {"service",
       "takeover",
       {"HOST"},
       {},
       {},
       "admin: clean up the unfinished work of HOST, whose backupd is gone, on this daemon "
       "(refused while HOST is up); prints what was done, exit 1 if a step failed (run again)",
       Takeover},
  };
}

}  // namespace bb::cli
