// Objects of a program's own type (hmake) in traces: written with kind
// "user" and read back as such.
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "canopy/trace/read.hpp"
#include "canopy/trace/recorder.hpp"

using namespace canopy;

TEST_CASE("a user object's open and close are written with kind user and read back as such") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  {
    trace::Recorder recorder(file, trace::Header{});
    for (auto kind : {runtime::EventKind::object_open, runtime::EventKind::object_close}) {
      runtime::Event event;
      event.kind = kind;
      event.time_ns = 1000;
      event.object = 3;
      event.object_kind = runtime::ObjectKind::user;
      recorder.record(event);
    }
  }
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  std::fclose(file);
  CHECK(text.find("\"kind\":\"object_open\",\"object\":3,\"object_kind\":\"user\"") != std::string::npos);
  trace::ParseResult parsed = trace::parse_trace(text);
  REQUIRE(parsed.ok);
  REQUIRE(parsed.trace.events.size() == 2);
  CHECK(parsed.trace.events[0].event.kind == runtime::EventKind::object_open);
  CHECK(parsed.trace.events[0].event.object_kind == runtime::ObjectKind::user);
  CHECK(parsed.trace.events[1].event.kind == runtime::EventKind::object_close);
  CHECK(parsed.trace.events[1].event.object_kind == runtime::ObjectKind::user);
}
