#include <unistd.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "canopy/trace/read.hpp"
#include "canopy/trace/recorder.hpp"
#include "canopy/trace/environment.hpp"
#include "support.hpp"

using namespace canopy;

namespace {

std::string contents_of(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  return text;
}

runtime::Event spawn_event(runtime::CoroutineId id) {
  runtime::Event event;
  event.kind = runtime::EventKind::spawn;
  event.time_ns = static_cast<std::int64_t>(id) * 1000;
  event.coroutine = id;
  event.other = runtime::main_coroutine;
  event.site = runtime::SpawnSite{"main.cpp", 12, "worker"};
  return event;
}

}  // namespace

TEST_CASE("The recorder writes the header first and one line per event that the reader accepts") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  trace::Header header;
  header.clock_is_simulated = true;
  header.seed = 42;
  header.strategy = "random";
  header.program = "demo";
  header.scenario = "graceful-shutdown";
  header.replay = "CANOPY_SEED=42 ./demo";
  {
    trace::Recorder recorder(file, header);
    recorder.record(spawn_event(1));
    runtime::Event block;
    block.kind = runtime::EventKind::block;
    block.time_ns = 2000;
    block.coroutine = 1;
    block.reason = runtime::BlockReason::chrecv;
    block.object = 5;
    block.object_kind = runtime::ObjectKind::channel;
    recorder.record(block);
    REQUIRE(recorder.events_recorded() == 2);
  }
  const std::string text = contents_of(file);
  std::fclose(file);
  CHECK(text ==
        "{\"format\":\"canopy-trace\",\"version\":1,\"clock\":\"sim\",\"seed\":42,\"strategy\":\"random\","
        "\"program\":\"demo\",\"scenario\":\"graceful-shutdown\",\"replay\":\"CANOPY_SEED=42 ./demo\","
        "\"reproducible\":true ,\"time_unit\":\"ns\"}\n"
        "{\"seq\":0,\"t\":1000,\"co\":1,\"kind\":\"spawn\",\"parent\":0,\"bundle\":null,\"site\":\"main.cpp:12\","
        "\"fn\":\"worker\"}\n"
        "{\"seq\":1,\"t\":2000,\"co\":1,\"kind\":\"block\",\"reason\":\"chrecv\",\"object\":5,"
        "\"object_kind\":\"channel\",\"deadline_ms\":null}\n");
  trace::ParseResult parsed = trace::parse_trace(text);
  REQUIRE(parsed.ok);
  CHECK(parsed.trace.header == header);
  REQUIRE(parsed.trace.events.size() == 2);
  CHECK(parsed.trace.events[0].fn == "worker");
  CHECK(parsed.trace.events[1].event.reason == runtime::BlockReason::chrecv);
}

TEST_CASE("The recorder keeps at most its buffer in memory and loses nothing when it fills") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  constexpr std::size_t buffer_bytes = 1024;
  trace::Recorder recorder(file, trace::Header{}, false, buffer_bytes);
  long written_before_close = 0;
  for (runtime::CoroutineId id = 1; id <= 500; ++id) {
    recorder.record(spawn_event(id));
    // Whatever has not reached the file yet is what is buffered.
    written_before_close = std::ftell(file);
  }
  CHECK(written_before_close > 0);
  recorder.close();
  const std::string text = contents_of(file);
  std::fclose(file);
  CHECK(text.size() - static_cast<std::size_t>(written_before_close) <= buffer_bytes + 200);
  trace::ParseResult parsed = trace::parse_trace(text);
  INFO(parsed.error.message);
  REQUIRE(parsed.ok);
  CHECK(parsed.trace.events.size() == 500);
}

TEST_CASE("Identical event sequences give byte-identical traces") {
  auto record = [] {
    std::FILE* file = std::tmpfile();
    trace::Recorder recorder(file, trace::Header{});
    for (runtime::CoroutineId id = 1; id <= 50; ++id) recorder.record(spawn_event(id));
    recorder.flush();
    std::string text = contents_of(file);
    std::fclose(file);
    return text;
  };
  CHECK(record() == record());
}

TEST_CASE("Strings in spawn sites are escaped so that every line stays valid JSON") {
  runtime::Event event = spawn_event(1);
  event.site = runtime::SpawnSite{"dir \"odd\"\\name.cpp", 3, "lambda\n\x01\xff"};
  const std::string line = trace::format_event_line(0, event);
  trace::ParseResult parsed = trace::parse_trace(trace::format_header_line(trace::Header{}) + line);
  INFO(parsed.error.message);
  REQUIRE(parsed.ok);
  CHECK(parsed.trace.events[0].site_file == "dir \"odd\"\\name.cpp");
  CHECK(parsed.trace.events[0].fn == "lambda\n\x01?");
}

TEST_CASE("The enum names the runtime prints are the trace format's names") {
  CHECK(std::string(runtime::to_string(runtime::BlockReason::bundle_wait)) == "bundle_wait");
  CHECK(std::string(runtime::to_string(runtime::EventKind::deadline_expired)) == "deadline_expired");
  CHECK(std::string(runtime::to_string(runtime::ObjectKind::channel)) == "channel");
  CHECK(std::string(runtime::to_string(static_cast<runtime::EventKind>(200))) == "?");
}

// One test, because the process keeps the first recorder it opens.
TEST_CASE("CANOPY_TRACE unset gives no recorder, a bad path is reported, a good one records with a full header") {
  ::unsetenv("CANOPY_TRACE");
  CHECK(trace::observer_from_environment(false) == nullptr);
  ::setenv("CANOPY_TRACE", "/nonexistent-dir/for/sure/trace.jsonl", 1);
  CHECK(trace::observer_from_environment(false) == nullptr);

  const std::string path = "/tmp/canopy-trace-env-test-" + std::to_string(::getpid()) + ".trace";
  ::setenv("CANOPY_TRACE", path.c_str(), 1);
  ::setenv("CANOPY_SEED", "5", 1);
  runtime::Observer* observer = trace::observer_from_environment(true);
  ::unsetenv("CANOPY_TRACE");
  ::unsetenv("CANOPY_SEED");
  REQUIRE(observer != nullptr);
  observer->record(spawn_event(1));
  auto* recorder = dynamic_cast<trace::Recorder*>(observer);
  REQUIRE(recorder != nullptr);
  REQUIRE(recorder->flush());
  trace::ParseResult parsed = trace::read_trace_file(path);
  std::remove(path.c_str());
  INFO(parsed.error.message);
  REQUIRE(parsed.ok);
  CHECK(parsed.trace.header.clock_is_simulated);
  CHECK(parsed.trace.header.seed == 5u);
  CHECK_THAT(parsed.trace.header.program, Catch::StartsWith("canopy_trace"));
  CHECK(parsed.trace.header.replay == "CANOPY_SEED=5 ./" + parsed.trace.header.program);
  CHECK(parsed.trace.events.size() == 1);
}

TEST_CASE("In write-through mode each event reaches the file at once") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  trace::Recorder recorder(file, trace::Header{});
  recorder.flush();
  const long after_header = std::ftell(file);
  recorder.set_write_through(true);
  recorder.record(spawn_event(1));
  CHECK(std::ftell(file) > after_header);
  recorder.close();
  std::fclose(file);
}
