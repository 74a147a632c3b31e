#include "child_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace canopy::testing {

ChildResult in_child(const std::function<void()>& fn, bool with_stdout) {
  int out[2];
  REQUIRE(pipe(out) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], STDERR_FILENO);
    if (with_stdout) dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    fn();
    _exit(0);
  }
  close(out[1]);
  ChildResult r;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) r.output.append(buf, static_cast<size_t>(n));
  close(out[0]);
  waitpid(pid, &r.status, 0);
  return r;
}

}  // namespace canopy::testing
