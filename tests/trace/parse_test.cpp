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

TEST_CASE("A truncated last line is called truncated") {
  expect_error(header_line + spawn_line + "{\"seq\":1,\"t\":6,\"co\":1,\"ki", 3, "truncated last line");
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
