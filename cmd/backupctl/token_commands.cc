// backupctl token commands (admin: they need the operator token, like `service`): create,
// revoke and list the REST API's project-scoped tokens. `token create` prints the token once;
// backupd stores only its SHA-256, so it cannot be shown again (revoke it and create another).
#include <iostream>

#include "cmd/backupctl/commands.h"
#include "cmd/backupctl/human_output.h"

namespace bb::cli {
namespace {

int Create(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::CreateApiTokenRequest request;
  request.set_project_id(args.Value("project"));
  request.set_role(args.Value("role"));
  request.set_description(args.Value("description"));
  v1::ApiToken token;
  grpc::Status s = cli.services().CreateApiToken(cli.NewContext().get(), request, &token);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson(MessageToJson(token));
    return kExitOk;
  }
  std::cout << token.token() << "\n";
  std::cerr << "token " << token.id() << " for project " << token.project_id() << " (role "
            << token.role() << "); it is shown only now: keep it (send it as X-Auth-Token)\n";
  return kExitOk;
}

int Revoke(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::RevokeApiTokenRequest request;
  request.set_id(args.words[2]);
  v1::ApiToken token;
  grpc::Status s = cli.services().RevokeApiToken(cli.NewContext().get(), request, &token);
  if (!s.ok()) return cli.Fail(s);
  if (cli.json()) {
    cli.PrintJson(MessageToJson(token));
  } else {
    PrintRecord(MessageToJson(token));
  }
  return kExitOk;
}

int List(Cli& cli, const CliArgs& args, const Command& /*command*/) {
  v1::ListApiTokensRequest request;
  request.set_project_id(args.Value("project"));
  v1::ListApiTokensResponse response;
  grpc::Status s = cli.services().ListApiTokens(cli.NewContext().get(), request, &response);
  if (!s.ok()) return cli.Fail(s);
  Json tokens = Json::array();
  for (const auto& t : response.tokens()) tokens.push_back(MessageToJson(t));
  if (cli.json()) {
    cli.PrintJson(Json{{"tokens", tokens}});
    return kExitOk;
  }
  PrintTable({"id", "project_id", "role", "created_at_us", "revoked_at_us", "description"}, tokens);
  return kExitOk;
}

}  // namespace

std::vector<Command> TokenCommands() {
  return {
      {"token",
       "create",
       {},
       {"project", "role"},
       {"description"},
       "admin: a REST API token for PROJECT with role reader, member or admin; prints the token "
       "once (only its SHA-256 is kept)",
       Create},
      {"token",
       "revoke",
       {"TOKEN_ID"},
       {},
       {},
       "admin: revoke a REST API token at once (its id, from token create or token list)",
       Revoke},
      {"token",
       "list",
       {},
       {},
       {"project"},
       "admin: the REST API tokens (ids, projects, roles, revoked or not; never the tokens)",
       List},
  };
}

}  // namespace bb::cli
