// The reader's fast path for event lines gives what the general parser
// gives, and leaves every unusual or wrong line to it.
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "../../trace/src/read/fast_line.hpp"
#include "support.hpp"

using namespace canopy;

TEST_CASE("Every event line the recorder wrote takes the fast path and reads back to itself") {
  std::size_t lines = 0;
  for (const char* fixture : {"traces/nested_grace.trace", "traces/bundle_cancel.trace", "traces/pipeline.trace",
                              "traces/leaky.trace"}) {
    std::istringstream text(test::read_fixture(fixture));
    std::string line;
    std::getline(text, line);  // the header
    while (std::getline(text, line)) {
      if (line.find("\"kind\":\"end\"") != std::string::npos) {
        trace::TraceEvent event;
        CHECK_FALSE(trace::detail::parse_event_fast(line, event));  // the end line is not an event
        continue;
      }
      trace::TraceEvent event;
      INFO(fixture << ": " << line);
      REQUIRE(trace::detail::parse_event_fast(line, event));
      CHECK(trace::canonical_line(event) == line);
      ++lines;
    }
  }
  CHECK(lines > 100);
}

TEST_CASE("The fast path reads keys in any order, with spaces and unknown keys, as the format allows") {
  trace::TraceEvent event;
  REQUIRE(trace::detail::parse_event_fast(
      R"({ "kind" : "block", "deadline_ms":null,"co":3,"t":7,"extra":"x","seq":5,"object":2,"reason":"chrecv","object_kind":"channel" })",
      event));
  CHECK(trace::canonical_line(event) ==
        R"({"seq":5,"t":7,"co":3,"kind":"block","reason":"chrecv","object":2,"object_kind":"channel","deadline_ms":null})");
}

TEST_CASE("Lines the fast path does not take are left to the general parser") {
  const char* const lines[] = {
      R"({"seq":1,"t":0,"co":1,"kind":"spawn","parent":0,"bundle":null,"site":"a\"b.c:1","fn":"f"})",  // an escape
      "{\"seq\":1,\"t\":0,\"co\":1,\"kind\":\"spawn\",\"parent\":0,\"bundle\":null,\"site\":\"\xC3\xA9.c:1\",\"fn\":\"f\"}",  // UTF-8
      R"({"seq":1.0,"t":0,"co":1,"kind":"exit","result":"returned"})",           // not an integer
      R"({"seq":1,"t":1e3,"co":1,"kind":"exit","result":"returned"})",           // an exponent
      R"({"seq":-1,"t":0,"co":1,"kind":"exit","result":"returned"})",            // negative seq
      R"({"seq":1,"t":0,"co":1,"kind":"exit"})",                                 // a key missing
      R"({"seq":1,"seq":2,"t":0,"co":1,"kind":"exit","result":"returned"})",     // a duplicate key
      R"({"seq":1,"t":0,"co":1,"kind":"jump","result":"returned"})",             // an unknown kind
      R"({"seq":1,"t":0,"co":1,"kind":"exit","result":"vanished"})",             // an unknown result
      R"({"seq":1,"t":0,"co":1,"kind":"wake","by":null,"err":"EWHAT"})",         // an unknown errno
      R"({"seq":1,"t":0,"co":1,"kind":"chdone","channel":2,"side":2})",          // side out of range
      R"({"seq":1,"t":0,"co":1,"kind":"wake","by":[0],"err":null})",             // an array
      R"({"seq":1,"t":0,"co":1,"kind":"exit","result":"returned"} x)",           // trailing text
      R"({"seq":1,"t":0,"co":1,"kind":"exit","result":"returned")",              // cut short
      R"({"seq":01,"t":0,"co":1,"kind":"exit","result":"returned"})",            // a leading zero
      R"({"seq":99999999999999999999,"t":0,"co":1,"kind":"exit","result":"returned"})",  // too big
      R"({"seq":1,"t":0,"co":1,"kind":"end","how":"exit","status":0,"signal":null,"report":null})",
  };
  for (const char* line : lines) {
    trace::TraceEvent event;
    INFO(line);
    CHECK_FALSE(trace::detail::parse_event_fast(line, event));
  }
}
