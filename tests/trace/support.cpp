#include "support.hpp"

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "canopy/trace/read.hpp"
#include "canopy/trace/recorder.hpp"

namespace canopy::test {

std::string read_fixture(const std::string& relative) {
  const std::string path = std::string(CANOPY_TRACE_TEST_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  INFO("fixture " << path);
  REQUIRE(in.good());
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void write_fixture(const std::string& relative, const std::string& contents) {
  const std::string path = std::string(CANOPY_TRACE_TEST_DIR) + "/" + relative;
  std::ofstream out(path, std::ios::binary);
  out << contents;
  INFO("writing " << path);
  REQUIRE(out.good());
}

Model model_of(const std::string& text) {
  ParseResult parsed = parse_trace(text);
  INFO("line " << parsed.error.line << ": " << parsed.error.message);
  REQUIRE(parsed.ok);
  return build_model(std::move(parsed.trace));
}

Model fixture_model(const std::string& relative) { return model_of(read_fixture(relative)); }

TraceText::TraceText(bool simulated) {
  Header header;
  header.clock_is_simulated = simulated;
  if (simulated) header.seed = 1;
  header.strategy = "fifo";
  header.program = "test";
  text_ = format_header_line(header);
}

TraceText& TraceText::event(const runtime::Event& event) {
  text_ += format_event_line(seq_++, event);
  return *this;
}

TraceText& TraceText::spawn(std::int64_t t, runtime::CoroutineId co, runtime::CoroutineId parent,
                            runtime::ObjectId bundle, const char* fn, int line) {
  runtime::Event e;
  e.kind = runtime::EventKind::spawn;
  e.time_ns = t;
  e.coroutine = co;
  e.other = parent;
  e.object = bundle;
  e.object_kind = bundle != 0 ? runtime::ObjectKind::bundle : runtime::ObjectKind::none;
  e.site = runtime::SpawnSite{"test.cpp", line, fn};
  return event(e);
}

TraceText& TraceText::block(std::int64_t t, runtime::CoroutineId co, runtime::BlockReason reason,
                            runtime::ObjectId object, runtime::ObjectKind kind, std::int64_t deadline_ms) {
  runtime::Event e;
  e.kind = runtime::EventKind::block;
  e.time_ns = t;
  e.coroutine = co;
  e.reason = reason;
  e.object = object;
  e.object_kind = kind;
  e.deadline_ms = deadline_ms;
  return event(e);
}

TraceText& TraceText::wake(std::int64_t t, runtime::CoroutineId co, runtime::CoroutineId by, int err) {
  runtime::Event e;
  e.kind = runtime::EventKind::wake;
  e.time_ns = t;
  e.coroutine = co;
  e.other = by;
  e.err = err;
  return event(e);
}

TraceText& TraceText::cancel(std::int64_t t, runtime::CoroutineId co, runtime::CoroutineId by,
                             runtime::ObjectId object, runtime::ObjectKind kind) {
  runtime::Event e;
  e.kind = runtime::EventKind::cancel;
  e.time_ns = t;
  e.coroutine = co;
  e.other = by;
  e.object = object;
  e.object_kind = kind;
  return event(e);
}

TraceText& TraceText::ecanceled(std::int64_t t, runtime::CoroutineId co) {
  return plain(t, co, runtime::EventKind::ecanceled);
}

TraceText& TraceText::exit(std::int64_t t, runtime::CoroutineId co, int err) {
  runtime::Event e;
  e.kind = runtime::EventKind::exit;
  e.time_ns = t;
  e.coroutine = co;
  e.err = err;
  return event(e);
}

TraceText& TraceText::plain(std::int64_t t, runtime::CoroutineId co, runtime::EventKind kind) {
  runtime::Event e;
  e.kind = kind;
  e.time_ns = t;
  e.coroutine = co;
  return event(e);
}

}  // namespace canopy::test
