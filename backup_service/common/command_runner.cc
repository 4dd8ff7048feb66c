#include "backup_service/common/command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "backup_service/common/log.h"

namespace bb {

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3)) {
      text.replace(pos, s.size(), "***");
    }
  }
  return text;
}

std::string FormatCommand(const std::vector<std::string>& argv,
                          const std::vector<std::string>& secrets) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line.push_back(' ');
    line += a;
  }
  return RedactSecrets(line, secrets);
}

Result<CommandResult> SystemCommandRunner::Run(const std::vector<std::string>& argv,
                                               const CommandOptions& options) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    int e = errno;
    close(out_pipe[0]);
    close(out_pipe[1]);
    return ErrnoStatus("pipe", e);
  }
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    return ErrnoStatus("fork", e);
  }
  if (pid == 0) {
    // O_CLOEXEC: dup2 onto fd 0 clears it there, and the original closes at exec.
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    setenv("LC_ALL", "C", 1);
    setpgid(0, 0);  // own process group so a timeout kills helpers it spawned too
    // An ignored SIGPIPE and a blocked mask survive exec: give the command the defaults a shell
    // would (gRPC and the daemon ignore SIGPIPE; iscsiadm's discovery behaves differently then).
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);

  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool timed_out = false;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int rc = poll(fds, 2, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (timed_out) kill(-pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  std::string cmd = FormatCommand(argv, options.secrets);
  if (timed_out) {
    return Status::DeadlineExceeded("command timed out after " +
                                    std::to_string(options.timeout.count()) + " ms: " + cmd);
  }
  result.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  BB_LOG(kDebug) << "ran `" << cmd << "` -> " << result.exit_code;
  return result;
}

Result<CommandResult> RunChecked(CommandRunner& runner, const std::vector<std::string>& argv,
                                 const CommandOptions& options) {
  ASSIGN_OR_RETURN(CommandResult r, runner.Run(argv, options));
  if (r.exit_code == 0) return r;
  std::string cmd = FormatCommand(argv, options.secrets);
  std::string err = RedactSecrets(r.err, options.secrets);
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  std::string msg =
      "`" + cmd + "` exited " + std::to_string(r.exit_code) + (err.empty() ? "" : ": " + err);
  if (r.exit_code == 127) return Status::NotFound(msg + " (is the program installed?)");
  return Status::Internal(msg);
}

}  // namespace bb
