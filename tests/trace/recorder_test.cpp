#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "canopy/trace/environment.hpp"
#include "canopy/trace/read.hpp"
#include "canopy/trace/recorder.hpp"
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

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
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
  runtime::Observer* observer = trace::observer_from_environment(false);
  ::unsetenv("CANOPY_TRACE");
  REQUIRE(observer != nullptr);
  // The same one, whoever asks next.
  CHECK(trace::observer_from_environment(false) == observer);
  // Written at once: the header is on disk before any event.
  CHECK_THAT(file_text(path), Catch::StartsWith("{\"format\":\"canopy-trace\""));
  observer->record(spawn_event(1));
  trace::Recorder* recorder = trace::environment_recorder();
  REQUIRE(recorder != nullptr);
  REQUIRE(recorder->flush());
  trace::ParseResult parsed = trace::read_trace_file(path);
  std::remove(path.c_str());
  INFO(parsed.error.message);
  REQUIRE(parsed.ok);
  CHECK_FALSE(parsed.trace.header.clock_is_simulated);
  CHECK(parsed.trace.header.strategy == std::optional<std::string>("fifo"));
  CHECK_FALSE(parsed.trace.header.seed);
  CHECK_THAT(parsed.trace.header.program, Catch::StartsWith("canopy_trace"));
  CHECK(parsed.trace.events.size() == 1);
}

TEST_CASE("The end line follows every event, and nothing is recorded after it") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  trace::Recorder recorder(file, trace::Header{});
  recorder.record(spawn_event(1));
  trace::RunEnd end;
  end.how = "deadlock";
  end.status = 3;
  const std::string long_report = "deadlock: \x1b" + std::string(5000, 'r');
  end.report = long_report.c_str();
  recorder.end(end);
  recorder.record(spawn_event(2));
  recorder.end(end);
  recorder.close();
  const std::string text = contents_of(file);
  std::fclose(file);
  trace::ParseResult parsed = trace::parse_trace(text);
  INFO(parsed.error.message);
  REQUIRE(parsed.ok);
  CHECK(parsed.trace.events.size() == 1);
  REQUIRE(parsed.trace.end);
  CHECK(parsed.trace.end->seq == 1);
  CHECK(parsed.trace.end->time_ns == 1000);
  CHECK(parsed.trace.end->how == "deadlock");
  CHECK(parsed.trace.end->status == 3);
  CHECK(parsed.trace.end->report == long_report.substr(0, trace::RunEnd::report_bytes));
}

TEST_CASE("A recorder whose writes fail says so once and keeps the program going") {
  std::FILE* file = std::fopen("/dev/full", "w");
  REQUIRE(file != nullptr);
  trace::Recorder recorder(file, trace::Header{}, /*owns_file=*/true, 256);
  CHECK(recorder.failed());  // the header could not be written
  for (runtime::CoroutineId id = 1; id <= 100; ++id) recorder.record(spawn_event(id));
  CHECK_FALSE(recorder.flush());
  recorder.close();
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
