// fdin/fdout over epoll on the real runtime. No sleeping: readiness is
// created by the test itself, between yields.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <fcntl.h>
#include <libdill.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>


namespace {
std::vector<std::string> record;

coroutine void reader(int fd) {
  int rc = fdin(fd, -1);
  char c = 0;
  if (rc == 0 && read(fd, &c, 1) == 1) record.push_back(std::string("read ") + c);
  else record.push_back("fdin failed");
}

struct Pipe {
  int fds[2];
  Pipe() { REQUIRE(pipe2(fds, O_NONBLOCK) == 0); }
  ~Pipe() {
    fdclean(fds[0]);
    fdclean(fds[1]);
    close(fds[0]);
    close(fds[1]);
  }
};
}  // namespace

TEST_CASE("fdin wakes its coroutine when the descriptor becomes readable") {
  record.clear();
  Pipe p;
  int h = go(reader(p.fds[0]));
  record.push_back("writing");
  REQUIRE(write(p.fds[1], "x", 1) == 1);
  // The reader needs the poller: block briefly until it has run.
  CHECK(fdout(p.fds[1], -1) == 0);
  yield();
  yield();
  hclose(h);
  CHECK(record == std::vector<std::string>{"writing", "read x"});
}

TEST_CASE("a second waiter on the same descriptor and direction gets EBUSY") {
  Pipe p;
  int h = go(reader(p.fds[0]));
  CHECK(fdin(p.fds[0], 0) == -1);
  CHECK(errno == EBUSY);
  CHECK(fdclean(p.fds[0]) == -1);
  CHECK(errno == EBUSY);
  // The other direction of the same descriptor is independent.
  CHECK(fdout(p.fds[1], 0) == 0);
  hclose(h);
  CHECK(fdclean(p.fds[0]) == 0);
}

TEST_CASE("fdin with deadline 0 on an idle pipe times out; bad descriptors get EBADF") {
  Pipe p;
  CHECK(fdin(p.fds[0], 0) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(fdin(-1, 0) == -1);
  CHECK(errno == EBADF);
  CHECK(fdclean(-3) == -1);
  CHECK(errno == EBADF);
  int closed_fd = dup(p.fds[0]);
  close(closed_fd);
  CHECK(fdin(closed_fd, 0) == -1);
  CHECK(errno == EBADF);
}

TEST_CASE("a regular file is always ready") {
  FILE* f = tmpfile();
  REQUIRE(f != nullptr);
  int fd = fileno(f);
  CHECK(fdin(fd, -1) == 0);
  CHECK(fdout(fd, -1) == 0);
  CHECK(fdclean(fd) == 0);
  fclose(f);
}

TEST_CASE("a platform that cannot wait on descriptors refuses with ENOTSUP") {
  auto run = canopy::testing::run_virtual([] {
    CHECK(fdin(0, 0) == -1);
    CHECK(errno == ENOTSUP);
  });
  CHECK(run.finished);
}
