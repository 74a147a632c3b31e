#include "virtual_time.hpp"

#include <cerrno>

#include "canopy/runtime/embedding.hpp"

namespace canopy::testing {

namespace {

class JumpingClock final : public runtime::Clock {
 public:
  explicit JumpingClock(std::int64_t epoch_ms) : now_ns_(epoch_ms * 1'000'000) {}
  std::int64_t now_ns() override { return now_ns_; }
  void advance(std::int64_t ns) { now_ns_ += ns; }

 private:
  std::int64_t now_ns_;
};

class NoDescriptors final : public runtime::Poller {
 public:
  explicit NoDescriptors(JumpingClock& clock) : clock_(clock) {}
  int watch(int, runtime::Direction) override { return ENOTSUP; }
  void unwatch(int, runtime::Direction) override {}
  int clean(int) override { return 0; }
  void wait(std::int64_t timeout_ns, runtime::ReadinessSink&) override {
    if (timeout_ns > 0) clock_.advance(timeout_ns);
  }
  std::size_t watch_count() const override { return 0; }

 private:
  JumpingClock& clock_;
};

class Recorder final : public runtime::FailureSink {
 public:
  explicit Recorder(VirtualRun& run) : run_(run) {}
  [[noreturn]] void deadlock(const std::string& report) override {
    run_.deadlock = report;
    runtime::abandon_run();
  }
  void structure_broken(const std::string& report) override { run_.broken.push_back(report); }
  [[noreturn]] void crashed(const std::string& report) override {
    run_.crash = report;
    runtime::abandon_run();
  }

 private:
  VirtualRun& run_;
};

void call(void* f) { (*static_cast<const std::function<void()>*>(f))(); }

}  // namespace

VirtualRun run_virtual(const std::function<void()>& body, std::int64_t epoch_ms,
                       runtime::Observer* observer) {
  VirtualRun run;
  JumpingClock clock(epoch_ms);
  NoDescriptors poller(clock);
  Recorder failures(run);
  runtime::Platform platform;
  platform.clock = &clock;
  platform.poller = &poller;
  platform.failures = &failures;
  platform.observer = observer;
  {
    runtime::EmbeddedScheduler s(platform);
    run.finished = s.run_main(&call, const_cast<std::function<void()>*>(&body));
    const runtime::SchedulerCounters counters = runtime::current_counters();
    run.live_after = counters.live_coroutines;
    run.handles_after = counters.open_handles;
    run.stacks_after = counters.stacks_in_use;
  }
  return run;
}

}  // namespace canopy::testing
