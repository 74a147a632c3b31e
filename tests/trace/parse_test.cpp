#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "canopy/trace/read.hpp"
#include "support.hpp"

using namespace canopy;

namespace {

const std::string header_line =
    "{\"format\":\"canopy-trace\",\"version\":1,\"clock\":\"sim\",\"seed\":1,\"strategy\":\"fifo\","
    "\"program\":\"p\",\"scenario\":null,\"replay\":null,\"time_unit\":\"ns\"}\n";
const std::string spawn_line =
    "{\"seq\":0,\"t\":5,\"co\":1,\"kind\":\"spawn\",\"parent\":0,\"bundle\":null,\"site\":\"a.cpp:3\",\"fn\":\"f\"}\n";

// Parses and expects an error on `line` whose message contains `words`.
void expect_error(const std::string& text, std::size_t line, const std::string& words) {
  trace::ParseResult result = trace::parse_trace(text);
  INFO("text:\n" << text << "\nerror: line " << result.error.line << ": " << result.error.message);
  REQUIRE_FALSE(result.ok);
  CHECK(result.error.line == line);
  CHECK_THAT(result.error.message, Catch::Contains(words));
}

}  // namespace

TEST_CASE("A hand-written trace in the documented format parses") {
  trace::ParseResult result = trace::parse_trace(test::read_fixture("traces/bundle_cancel.trace"));
  INFO(result.error.line << ": " << result.error.message);
  REQUIRE(result.ok);
  CHECK(result.trace.header.seed == 42u);
  CHECK(result.trace.header.replay == "CANOPY_SEED=42 ./server");
  CHECK(result.trace.events.size() == 37);
  CHECK(result.trace.events[26].event.err == ECANCELED);
}

TEST_CASE("Parsed events print back as the exact lines they came from") {
  const std::string text = test::read_fixture("traces/pipeline.trace");
  trace::ParseResult result = trace::parse_trace(text);
  REQUIRE(result.ok);
  std::string printed = text.substr(0, text.find('\n') + 1);
  for (const auto& event : result.trace.events) printed += trace::canonical_line(event) + "\n";
  CHECK(printed == text);
}

TEST_CASE("An empty trace is an error on line 1") { expect_error("", 1, "empty"); }

TEST_CASE("A missing header is reported on line 1") { expect_error(spawn_line, 1, "bad header"); }

TEST_CASE("A header of another version is refused naming both versions") {
  std::string text = header_line;
  text.replace(text.find("\"version\":1"), 11, "\"version\":2");
  expect_error(text, 1, "version 2 is not supported");
}

TEST_CASE("A header of another format is refused") {
  expect_error("{\"format\":\"chrome\",\"version\":1}\n", 1, "not a canopy trace");
}

TEST_CASE("Bad JSON is reported with its line number") {
  expect_error(header_line + spawn_line + "{\"seq\":1,\"t\":6,\n", 3, "not valid JSON");
}

TEST_CASE("A last line cut off mid-line is accepted up to the cut, which is named") {
  trace::ParseResult result = trace::parse_trace(header_line + spawn_line + "{\"seq\":1,\"t\":6,\"co\":1,\"ki");
  REQUIRE(result.ok);
  CHECK(result.trace.cut_at_line == 3);
  CHECK(result.trace.events.size() == 1);
  CHECK_FALSE(result.trace.end);
  expect_error("{\"format\":\"canopy-tr", 1, "truncated header");
}

TEST_CASE("A file holding only a newline is not a trace") {
  expect_error("\n", 1, "line 1 is empty");
  expect_error("\n\n", 1, "line 1 is empty");
}

TEST_CASE("Events whose by or peer names a coroutine never spawned are refused") {
  expect_error(header_line + spawn_line + "{\"seq\":1,\"t\":6,\"co\":1,\"kind\":\"wake\",\"by\":7,\"err\":null}\n", 3,
               "\"by\" names coroutine 7, which was never spawned");
  expect_error(header_line + spawn_line +
                   "{\"seq\":1,\"t\":6,\"co\":1,\"kind\":\"chsend\",\"channel\":2,\"peer\":9,\"bytes\":4,\"side\":0}\n",
               3, "\"peer\" names coroutine 9, which was never spawned");
  expect_error(header_line + spawn_line +
                   "{\"seq\":1,\"t\":6,\"co\":1,\"kind\":\"cancel\",\"by\":3,\"object\":1,\"object_kind\":\"coroutine\"}\n",
               3, "\"by\" names coroutine 3");
  // null (a timer, a descriptor) and known coroutines are fine.
  trace::ParseResult ok = trace::parse_trace(
      header_line + spawn_line + "{\"seq\":1,\"t\":6,\"co\":1,\"kind\":\"wake\",\"by\":null,\"err\":null}\n" +
      "{\"seq\":2,\"t\":6,\"co\":0,\"kind\":\"wake\",\"by\":1,\"err\":null}\n");
  CHECK(ok.ok);
}

TEST_CASE("The end line says how the run ended, round-trips, and nothing may follow it") {
  const std::string end_line =
      "{\"seq\":1,\"t\":9,\"co\":0,\"kind\":\"end\",\"how\":\"deadlock\",\"status\":3,\"signal\":null,"
      "\"report\":\"deadlock: every coroutine is blocked\\n  main\"}";
  trace::ParseResult result = trace::parse_trace(header_line + spawn_line + end_line + "\n");
  INFO(result.error.message);
  REQUIRE(result.ok);
  REQUIRE(result.trace.end);
  CHECK(result.trace.end->how == "deadlock");
  CHECK(result.trace.end->status == 3);
  CHECK(result.trace.end->signal == 0);
  CHECK(result.trace.end->report == std::optional<std::string>("deadlock: every coroutine is blocked\n  main"));
  CHECK(trace::canonical_line(*result.trace.end) == end_line);
  CHECK(trace::describe_end(*result.trace.end) == "deadlock, exit status 3: deadlock: every coroutine is blocked");
  expect_error(header_line + spawn_line + end_line + "\n" +
                   "{\"seq\":2,\"t\":9,\"co\":0,\"kind\":\"ecanceled\"}\n",
               4, "an event after the end line");
  expect_error(header_line + spawn_line +
                   "{\"seq\":5,\"t\":9,\"co\":0,\"kind\":\"end\",\"how\":\"exit\",\"status\":0,\"signal\":null,\"report\":null}\n",
               3, "seq is 5 but 1 was expected");
  trace::ParseResult signalled = trace::parse_trace(
      header_line + "{\"seq\":0,\"t\":0,\"co\":0,\"kind\":\"end\",\"how\":\"signal\",\"status\":null,"
                    "\"signal\":\"SIGSEGV\",\"report\":null}\n");
  REQUIRE(signalled.ok);
  CHECK(signalled.trace.end->signal == SIGSEGV);
  CHECK(trace::describe_end(*signalled.trace.end) == "signal, signal SIGSEGV");
}

TEST_CASE("A line longer than the limit is refused at once, and /dev/zero fails fast") {
  expect_error(header_line + std::string(trace::max_line_bytes + 1, 'x') + "\n", 2, "longer than");
  const std::string path = "/tmp/canopy-parse-test-long-" + std::to_string(::getpid());
  {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    REQUIRE(file != nullptr);
    std::fputs(header_line.c_str(), file);
    const std::string chunk(1 << 16, 'y');
    for (int i = 0; i < 20; ++i) std::fwrite(chunk.data(), 1, chunk.size(), file);
    std::fclose(file);
  }
  trace::ParseResult long_line = trace::read_trace_file(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(long_line.ok);
  CHECK(long_line.error.line == 2);
  CHECK_THAT(long_line.error.message, Catch::Contains("longer than 1048576 bytes"));
  trace::ParseResult zeros = trace::read_trace_file("/dev/zero");
  REQUIRE_FALSE(zeros.ok);
  CHECK(zeros.error.line == 1);
  CHECK_THAT(zeros.error.message, Catch::Contains("longer than 1048576 bytes"));
}

TEST_CASE("Reading a file streams it into the same trace parse_trace makes") {
  const std::string text = test::read_fixture("traces/pipeline.trace");
  trace::ParseResult from_text = trace::parse_trace(text);
  trace::ParseResult from_file = trace::read_trace_file(std::string(CANOPY_TRACE_TEST_DIR) + "/traces/pipeline.trace");
  REQUIRE(from_text.ok);
  REQUIRE(from_file.ok);
  REQUIRE(from_file.trace.events.size() == from_text.trace.events.size());
  for (std::size_t i = 0; i < from_text.trace.events.size(); ++i) {
    CHECK(trace::canonical_line(from_file.trace.events[i]) == trace::canonical_line(from_text.trace.events[i]));
  }
}

TEST_CASE("Control characters from a trace are escaped before they reach a terminal") {
  CHECK(trace::printable("fn\x1b]0;pwned\x07\n\xc2\x9b" "2J\xff ok \xc3\xa9") ==
        "fn\\x1b]0;pwned\\x07\\n\\u009b2J\\xff ok \xc3\xa9");
}

TEST_CASE("A missing field is named") {
  expect_error(header_line + "{\"seq\":0,\"t\":5,\"kind\":\"spawn\"}\n", 2, "field \"co\" is missing");
}

TEST_CASE("A field of the wrong type is named with what it should be") {
  expect_error(header_line + "{\"seq\":0,\"t\":\"5\",\"co\":1,\"kind\":\"spawn\"}\n", 2,
               "field \"t\" must be an integer, not string");
  expect_error(header_line + spawn_line +
                   "{\"seq\":1,\"t\":6,\"co\":1,\"kind\":\"block\",\"reason\":\"chrecv\",\"object\":-3,"
                   "\"object_kind\":\"channel\",\"deadline_ms\":null}\n",
               3, "field \"object\" must be a non-negative integer");
}

TEST_CASE("An unknown kind is named") {
  expect_error(header_line + "{\"seq\":0,\"t\":5,\"co\":0,\"kind\":\"teleport\"}\n", 2,
               "not a known event kind: \"teleport\"");
}

TEST_CASE("An unknown errno name is refused") {
  expect_error(header_line + spawn_line + "{\"seq\":1,\"t\":6,\"co\":1,\"kind\":\"wake\",\"by\":null,\"err\":\"EWHAT\"}\n",
               3, "names no errno value");
}

TEST_CASE("A gap in seq is reported") {
  expect_error(header_line + spawn_line + "{\"seq\":2,\"t\":6,\"co\":1,\"kind\":\"ecanceled\"}\n", 3,
               "seq is 2 but 1 was expected");
}

TEST_CASE("Time going backwards is reported") {
  expect_error(header_line + spawn_line + "{\"seq\":1,\"t\":4,\"co\":1,\"kind\":\"ecanceled\"}\n", 3,
               "time goes backwards");
}

TEST_CASE("An event for a coroutine never spawned is reported") {
  expect_error(header_line + spawn_line + "{\"seq\":1,\"t\":6,\"co\":9,\"kind\":\"ecanceled\"}\n", 3,
               "coroutine 9, which was never spawned");
}

TEST_CASE("Spawning an id twice is reported") {
  std::string again = spawn_line;
  again.replace(again.find("\"seq\":0"), 7, "\"seq\":1");
  expect_error(header_line + spawn_line + again, 3, "spawned again");
}

TEST_CASE("A malformed spawn site is reported") {
  std::string bad = spawn_line;
  bad.replace(bad.find("a.cpp:3"), 7, "a.cpp");
  expect_error(header_line + bad, 2, "\"file:line\"");
}

TEST_CASE("A line that is not an object is reported") {
  expect_error(header_line + "[1,2,3]\n", 2, "must be a JSON object, not array");
}

TEST_CASE("An empty line in the middle is reported, a final blank line is not") {
  expect_error(header_line + "\n" + spawn_line, 2, "empty line");
  CHECK(trace::parse_trace(header_line + spawn_line + "\n").ok);
}

TEST_CASE("A file that cannot be read is an error naming the path") {
  trace::ParseResult result = trace::read_trace_file("/nonexistent/trace.jsonl");
  REQUIRE_FALSE(result.ok);
  CHECK_THAT(result.error.message, Catch::Contains("/nonexistent/trace.jsonl"));
}
