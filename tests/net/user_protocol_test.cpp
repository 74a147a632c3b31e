// A user's own protocol plugs into bsend/brecv and msend/mrecv through the
// bsock/msock vfs types, exactly as the library's own sockets do.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdillimpl.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "net_support.hpp"

using nettest::soon;

namespace {

/// A bytestream that echoes what is sent into it, and a message socket
/// that counts messages: the smallest protocols that show the dispatch.
struct Echo {
  struct hvfs table;                  // query and close
  struct bsock_vfs bytes;             // bsendl/brecvl
  struct msock_vfs messages;          // msendl/mrecvl
  std::string buffered;               // sent, not yet received
  std::vector<std::string>* calls;    // what the vfs saw, in order
  bool* closed;                       // set by close
};

const char echo_type_id = 0;

void* echo_query(struct hvfs* vfs, const void* type) {
  Echo* e = reinterpret_cast<Echo*>(vfs);
  if (type == bsock_type) return &e->bytes;
  if (type == msock_type) return &e->messages;
  if (type == &echo_type_id) return e;
  errno = ENOTSUP;
  return nullptr;
}

void echo_close(struct hvfs* vfs) { *reinterpret_cast<Echo*>(vfs)->closed = true; }

Echo* from_bytes(struct bsock_vfs* vfs) {
  return reinterpret_cast<Echo*>(reinterpret_cast<char*>(vfs) - offsetof(Echo, bytes));
}
Echo* from_messages(struct msock_vfs* vfs) {
  return reinterpret_cast<Echo*>(reinterpret_cast<char*>(vfs) - offsetof(Echo, messages));
}

int echo_bsendl(struct bsock_vfs* vfs, struct iolist* first, struct iolist*, int64_t) {
  Echo* e = from_bytes(vfs);
  for (struct iolist* it = first; it; it = it->iol_next)
    e->buffered.append(static_cast<const char*>(it->iol_base), it->iol_len);
  e->calls->push_back("bsendl");
  return 0;
}

int echo_brecvl(struct bsock_vfs* vfs, struct iolist* first, struct iolist*, int64_t) {
  Echo* e = from_bytes(vfs);
  e->calls->push_back("brecvl");
  for (struct iolist* it = first; it; it = it->iol_next) {
    if (e->buffered.size() < it->iol_len) return errno = EPIPE, -1;
    if (it->iol_base) std::memcpy(it->iol_base, e->buffered.data(), it->iol_len);
    e->buffered.erase(0, it->iol_len);
  }
  return 0;
}

int echo_msendl(struct msock_vfs* vfs, struct iolist*, struct iolist*, int64_t) {
  from_messages(vfs)->calls->push_back("msendl");
  return 0;
}

ssize_t echo_mrecvl(struct msock_vfs* vfs, struct iolist*, struct iolist*, int64_t) {
  from_messages(vfs)->calls->push_back("mrecvl");
  return 42;
}

}  // namespace

TEST_CASE("a user's bytestream and message socket serve bsend, brecv, msend and mrecv") {
  std::vector<std::string> calls;
  bool closed = false;
  Echo e{};
  e.table.query = echo_query;
  e.table.close = echo_close;
  e.bytes.bsendl = echo_bsendl;
  e.bytes.brecvl = echo_brecvl;
  e.messages.msendl = echo_msendl;
  e.messages.mrecvl = echo_mrecvl;
  e.calls = &calls;
  e.closed = &closed;
  int h = hmake(&e.table);
  REQUIRE(h >= 0);
  REQUIRE(bsend(h, "hello", 5, soon()) == 0);
  char buf[5];
  REQUIRE(brecv(h, buf, 5, soon()) == 0);
  CHECK(std::string(buf, 5) == "hello");
  CHECK(brecv(h, buf, 1, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(msend(h, "m", 1, soon()) == 0);
  CHECK(mrecv(h, buf, sizeof buf, soon()) == 42);
  // A bad list is refused before the protocol sees it.
  struct iolist a = {buf, 1, nullptr, 0};
  struct iolist b = {buf, 1, nullptr, 0};
  CHECK(bsendl(h, &a, &b, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(calls == std::vector<std::string>{"bsendl", "brecvl", "brecvl", "msendl", "mrecvl"});
  // The library's own calls refuse it: it is not a TCP socket.
  CHECK(tcp_close(h, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(!closed);
  CHECK(hclose(h) == 0);
  CHECK(closed);
}

TEST_CASE("a user's handle that answers neither socket type gets ENOTSUP from bsend and msend") {
  bool closed = false;
  struct Plain {
    struct hvfs table;
    bool* closed;
  } p{};
  p.table.query = [](struct hvfs*, const void*) -> void* {
    errno = ENOTSUP;
    return nullptr;
  };
  p.table.close = [](struct hvfs* vfs) { *reinterpret_cast<Plain*>(vfs)->closed = true; };
  p.closed = &closed;
  int h = hmake(&p.table);
  REQUIRE(h >= 0);
  CHECK(bsend(h, "x", 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(mrecv(h, nullptr, 0, soon()) == -1);
  CHECK(errno == ENOTSUP);
  hclose(h);
  CHECK(closed);
}
