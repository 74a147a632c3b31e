// Telling in-process descriptors from outside ones (see real_fd.hpp).
#include "real_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace canopy::sim::detail {

namespace {

/// The most entries of /proc/self/fd looked at for one pipe: a limit on the
/// work a single watch can cost.
constexpr int max_fds_scanned = 65536;

/// True when this process holds a read end and a write end of the pipe `st`.
bool both_pipe_ends_held(const struct stat& st) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool reads = false, writes = false;
  int scanned = 0;
  while (dirent* entry = ::readdir(dir)) {
    if (++scanned > max_fds_scanned) break;
    char* end = nullptr;
    long other = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || other == ::dirfd(dir)) continue;
    struct stat ost;
    if (::fstat(static_cast<int>(other), &ost) != 0) continue;
    if (ost.st_dev != st.st_dev || ost.st_ino != st.st_ino) continue;
    int mode = ::fcntl(static_cast<int>(other), F_GETFL);
    if (mode < 0) continue;
    int access = mode & O_ACCMODE;
    reads = reads || access == O_RDONLY || access == O_RDWR;
    writes = writes || access == O_WRONLY || access == O_RDWR;
  }
  ::closedir(dir);
  return reads && writes;
}

std::string link_of(int fd) {
  char path[64], target[256];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(path, target, sizeof target - 1);
  if (n < 0) return "";
  return std::string(target, static_cast<std::size_t>(n));
}

}  // namespace

RealFd classify_real_fd(int fd) {
  RealFd r;
  struct stat st;
  if (::fcntl(fd, F_GETFD) < 0 || ::fstat(fd, &st) != 0) {
    r.err = EBADF;
    return r;
  }
  if (S_ISFIFO(st.st_mode)) {
    r.what = "a pipe";
    r.outside = !both_pipe_ends_held(st);
    if (r.outside) r.what = "a pipe whose other end this process does not hold";
    return r;
  }
  if (S_ISSOCK(st.st_mode)) {
    int domain = 0;
    socklen_t len = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) domain = -1;
    if (domain == AF_UNIX) {
      ucred peer{};
      len = sizeof peer;
      bool ours = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.pid == ::getpid();
      r.outside = !ours;
      r.what = r.outside ? "a UNIX socket whose peer is another process" : "a UNIX socket pair";
      return r;
    }
    r.outside = true;
    r.what = "a real network socket";
    return r;
  }
  if (link_of(fd) == "anon_inode:[eventfd]") {
    r.what = "an eventfd";
    return r;
  }
  r.outside = true;
  r.what = S_ISCHR(st.st_mode) || S_ISREG(st.st_mode) ? "a terminal, device or file" : "a kernel object";
  return r;
}

}  // namespace canopy::sim::detail
