// Helpers shared by the trace tests: fixtures on disk and traces built in
// code, so each test can plant exactly the violation it checks.
#pragma once

#include <cstdint>
#include <string>

#include "canopy/trace/header.hpp"
#include "canopy/trace/model.hpp"
#include "canopy/runtime/event.hpp"

namespace canopy::test {
using namespace canopy::trace;

/// The contents of tests/trace/<relative>; fails the test when unreadable.
std::string read_fixture(const std::string& relative);
/// Writes `contents` to tests/trace/<relative> (golden updates).
void write_fixture(const std::string& relative, const std::string& contents);
/// Parses a fixture trace and builds its model; fails the test on errors.
Model fixture_model(const std::string& relative);
/// Parses text and builds its model; fails the test on errors.
Model model_of(const std::string& text);

/// Builds a trace text one event at a time, numbering seq itself.
class TraceText {
 public:
  explicit TraceText(bool simulated = true);
  TraceText& spawn(std::int64_t t, runtime::CoroutineId co, runtime::CoroutineId parent,
                   runtime::ObjectId bundle = 0, const char* fn = "worker", int line = 10);
  TraceText& block(std::int64_t t, runtime::CoroutineId co, runtime::BlockReason reason,
                   runtime::ObjectId object = 0, runtime::ObjectKind kind = runtime::ObjectKind::none,
                   std::int64_t deadline_ms = -1);
  TraceText& wake(std::int64_t t, runtime::CoroutineId co, runtime::CoroutineId by, int err = 0);
  TraceText& cancel(std::int64_t t, runtime::CoroutineId co, runtime::CoroutineId by, runtime::ObjectId object,
                    runtime::ObjectKind kind);
  TraceText& ecanceled(std::int64_t t, runtime::CoroutineId co);
  TraceText& exit(std::int64_t t, runtime::CoroutineId co, int err = 0);
  TraceText& plain(std::int64_t t, runtime::CoroutineId co, runtime::EventKind kind);
  TraceText& event(const runtime::Event& event);
  const std::string& text() const { return text_; }
  std::uint64_t next_seq() const { return seq_; }

 private:
  std::string text_;
  std::uint64_t seq_ = 0;
};

}  // namespace canopy::test
