// The other side of -Wl,--wrap=main: runs the test's peers (canopy_peers(),
// canopy/sim/peers.h) around an unchanged program's main. Only the public C
// API is used, as the test's own code would; nothing here knows whether the
// runtime is real or simulated.
//
// It is a static library of its own (libcanopy_peers.a), not part of the
// runtime library: the linker's --wrap renames only the references of the
// program being linked, so this call of __real_main must be linked into the
// program, where it reaches the program's main; from libcanopy.so it never
// could.
#include <libdill.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include "canopy/sim/peers.h"

extern "C" int __real_main(int argc, char** argv, char** envp);

namespace {

// The bundle canopy_peers() returned, until it is closed (-1 after).
int peers_bundle = -1;

// Ends the peers: when main returns, or from exit() (atexit), whichever
// comes first. They are other hosts, so the program's end does not cut
// what they are doing short at once (a reply in flight still arrives): they
// have a grace period to finish, then the rest is cancelled. A program that
// ends in _exit or a simulator report leaves them to the process's end, as
// it leaves everything else.
void close_peers() {
  const int h = peers_bundle;
  if (h < 0) return;
  peers_bundle = -1;
  if (bundle_wait(h, now() + CANOPY_PEERS_GRACE_MS) != 0 && errno != ETIMEDOUT) {
    std::fprintf(stderr, "canopy: waiting for the peers failed: %s\n", std::strerror(errno));
  }
  if (hclose(h) != 0) {
    std::fprintf(stderr, "canopy: closing the peers failed: %s\n", std::strerror(errno));
  }
}

}  // namespace

extern "C" int __wrap_main(int argc, char** argv, char** envp) {
  errno = 0;
  const int h = canopy_peers();
  if (h < 0) {
    const int error = errno;
    std::fprintf(stderr, "canopy: canopy_peers() failed (%s), so the program was not started\n",
                 error != 0 ? std::strerror(error) : "it returned -1 without setting errno");
    return 2;
  }
  peers_bundle = h;
  // Registered after canopy_peers() has started the runtime, so that it
  // runs before the runtime's own exit checks (atexit order is reversed):
  // the peers are closed before anything counts what is left.
  std::atexit(close_peers);
  const int status = __real_main(argc, argv, envp);
  close_peers();
  return status;
}

extern "C" void canopy_peers_end(int status) {
  // A harness stopping the program: nothing of it is waited for or checked.
  std::fflush(nullptr);
  _exit(status);
}
