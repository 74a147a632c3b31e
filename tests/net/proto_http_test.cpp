// HTTP/1.1 heads over a stream: both sides through the API, and a peer
// writing what it likes on the wire.
#include "proto_support.hpp"

using namespace proto_test;

TEST_CASE("a request and its fields go as HTTP/1.1 lines and come back parsed") {
  StreamPair p;
  int c = http_attach(p.take(0));
  struct http_storage mem;
  int s = http_attach_mem(p.take(1), &mem);
  REQUIRE(c >= 0);
  REQUIRE(s >= 0);
  REQUIRE(http_sendrequest(c, "GET", "/a/b?c=d", soon()) == 0);
  REQUIRE(http_sendfield(c, "Host", "  example.org  ", soon()) == 0);
  REQUIRE(http_sendfield(c, "X-Empty-Around", "v a l", soon()) == 0);
  REQUIRE(http_done(c, soon()) == 0);
  char command[16], resource[64], name[64], value[64];
  REQUIRE(http_recvrequest(s, command, sizeof command, resource, sizeof resource, soon()) == 0);
  CHECK(std::string(command) == "GET");
  CHECK(std::string(resource) == "/a/b?c=d");
  REQUIRE(http_recvfield(s, name, sizeof name, value, sizeof value, soon()) == 0);
  CHECK(std::string(name) == "Host");
  CHECK(std::string(value) == "example.org");
  REQUIRE(http_recvfield(s, name, sizeof name, value, sizeof value, soon()) == 0);
  CHECK(std::string(value) == "v a l");
  CHECK(http_recvfield(s, name, sizeof name, value, sizeof value, soon()) == -1);
  CHECK(errno == EPIPE);
  REQUIRE(http_sendstatus(s, 404, "Not Found", soon()) == 0);
  REQUIRE(http_done(s, soon()) == 0);
  char reason[32];
  CHECK(http_recvstatus(c, reason, sizeof reason, soon()) == 404);
  CHECK(std::string(reason) == "Not Found");
  CHECK(http_recvfield(c, name, sizeof name, value, sizeof value, soon()) == -1);
  CHECK(errno == EPIPE);
  int uc = http_detach(c, soon());
  int us = http_detach(s, soon());
  REQUIRE(uc >= 0);
  REQUIRE(us >= 0);
  // After the heads, the streams carry the body as raw bytes.
  send_raw(us, "body");
  CHECK(recv_raw(uc, 4) == "body");
  hclose(uc);
  hclose(us);
}

TEST_CASE("what goes on the wire is exactly the HTTP/1.1 text") {
  StreamPair p;
  int c = http_attach(p.take(0));
  REQUIRE(c >= 0);
  REQUIRE(http_sendrequest(c, "POST", "/x", soon()) == 0);
  REQUIRE(http_sendfield(c, "A", "1", soon()) == 0);
  REQUIRE(http_done(c, soon()) == 0);
  std::string expected = "POST /x HTTP/1.1\r\nA: 1\r\n\r\n";
  CHECK(recv_raw(p.s[1], expected.size()) == expected);
  hclose(c);
}

TEST_CASE("garbage in the request line, the status line or a field is EPROTO") {
  const char* bad_requests[] = {"GET\r\n", "GET / HTTP/1.0\r\n", "GET / HTTP/1.1 extra\r\n",
                                "\x01\x02\x03 / HTTP/1.1\r\n"};
  for (const char* line : bad_requests) {
    StreamPair p;
    int s = http_attach(p.take(0));
    REQUIRE(s >= 0);
    send_raw(p.s[1], line);
    char command[16], resource[16];
    CHECK(http_recvrequest(s, command, sizeof command, resource, sizeof resource, soon()) == -1);
    CHECK(errno == EPROTO);
    hclose(s);
  }
  const char* bad_statuses[] = {"HTTP/1.1 20 OK\r\n", "HTTP/1.1 abc OK\r\n", "HTTP/1.1 099 x\r\n",
                                "SPDY/3 200 OK\r\n", "HTTP/1.1\r\n"};
  for (const char* line : bad_statuses) {
    StreamPair p;
    int s = http_attach(p.take(0));
    send_raw(p.s[1], line);
    char reason[16];
    CHECK(http_recvstatus(s, reason, sizeof reason, soon()) == -1);
    CHECK(errno == EPROTO);
    hclose(s);
  }
  const char* bad_fields[] = {"NoColon\r\n", ": value\r\n", "Bad Name: v\r\n", "Name: \x7f\r\n"};
  for (const char* line : bad_fields) {
    StreamPair p;
    int s = http_attach(p.take(0));
    send_raw(p.s[1], line);
    char name[16], value[16];
    CHECK(http_recvfield(s, name, sizeof name, value, sizeof value, soon()) == -1);
    CHECK(errno == EPROTO);
    hclose(s);
  }
}

TEST_CASE("a line longer than 1023 bytes, or than the caller's buffer, is EMSGSIZE") {
  StreamPair p;
  int s = http_attach(p.take(0));
  send_raw(p.s[1], "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n");
  char command[16], resource[4096];
  CHECK(http_recvrequest(s, command, sizeof command, resource, sizeof resource, soon()) == -1);
  CHECK(errno == EMSGSIZE);
  hclose(s);
  StreamPair q;
  int t = http_attach(q.take(0));
  send_raw(q.s[1], "GET /longer-than-eight HTTP/1.1\r\n");
  char small[8];
  CHECK(http_recvrequest(t, command, sizeof command, small, sizeof small, soon()) == -1);
  CHECK(errno == EMSGSIZE);
  hclose(t);
}

TEST_CASE("a peer hanging up in the middle of the heads gives EPIPE, never a hang") {
  StreamPair p;
  int s = http_attach(p.take(0));
  send_raw(p.s[1], "GET / HT");
  hclose(p.take(1));
  char command[16], resource[16];
  CHECK(http_recvrequest(s, command, sizeof command, resource, sizeof resource, soon()) == -1);
  CHECK(errno == EPIPE);
  hclose(s);
}

TEST_CASE("sending refuses blanks in the request, status codes outside 100..599 and bad field names") {
  StreamPair p;
  int c = http_attach(p.take(0));
  CHECK(http_sendrequest(c, "GET", "/a b", soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(http_sendstatus(c, 600, "x", soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(http_sendfield(c, "Bad:Name", "v", soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(http_sendfield(c, "Name", "   ", soon()) == -1);
  CHECK(errno == EPROTO);
  CHECK(http_sendfield(c, "Name", "split\r\nInjected: 1", soon()) == -1);
  CHECK(errno == EINVAL);
  hclose(c);
  CHECK(http_recvstatus(c, nullptr, 0, soon()) == -1);
  CHECK(errno == EBADF);
}
