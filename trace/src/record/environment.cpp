// CANOPY_TRACE=path: the main thread's scheduler records to `path`.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "canopy/trace/recorder.hpp"
#include "canopy/trace/environment.hpp"

namespace canopy::trace {
namespace {

// Never destroyed: the runtime may still report events while the process
// tears down (thread-local schedulers die after atexit handlers run), and an
// observer must outlive every scheduler that holds it.
Recorder* environment_recorder = nullptr;

void flush_environment_recorder() {
  // Flush rather than close, and write through from now on: schedulers torn
  // down after this (thread-locals, static destructors) still report
  // events, and those must reach the file without a later flush.
  if (environment_recorder == nullptr) return;
  environment_recorder->flush();
  environment_recorder->set_write_through(true);
}

std::string program_name() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  if (comm && std::getline(comm, name) && !name.empty()) return name;
  return program_invocation_short_name != nullptr ? program_invocation_short_name : "";
}

}  // namespace

runtime::Observer* observer_from_environment(bool clock_is_simulated) {
  const char* path = std::getenv("CANOPY_TRACE");
  if (path == nullptr || *path == '\0') return nullptr;
  if (environment_recorder != nullptr) return environment_recorder;
  Header header;
  header.clock_is_simulated = clock_is_simulated;
  header.program = program_name();
  if (!clock_is_simulated) header.strategy = "fifo";
  if (const char* seed = std::getenv("CANOPY_SEED"); seed != nullptr && clock_is_simulated) {
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(seed, &end, 0);
    if (errno == 0 && end != seed && *end == '\0') header.seed = value;
  }
  if (const char* strategy = std::getenv("CANOPY_STRATEGY"); strategy != nullptr && *strategy)
    header.strategy = strategy;
  if (const char* scenario = std::getenv("CANOPY_SCENARIO"); scenario != nullptr && *scenario)
    header.scenario = scenario;
  if (header.seed) {
    std::string replay = "CANOPY_SEED=" + std::to_string(*header.seed);
    if (const char* strategy = std::getenv("CANOPY_STRATEGY"); strategy != nullptr && *strategy)
      replay += std::string(" CANOPY_STRATEGY=") + strategy;
    header.replay = replay + " ./" + header.program;
  }
  environment_recorder = Recorder::open(path, header).release();
  if (environment_recorder == nullptr) {
    const int err = errno;
    std::fprintf(stderr, "canopy: cannot record the trace to CANOPY_TRACE=%s: %s (errno %d); "
                 "running without a trace\n", path, std::strerror(err), err);
    return nullptr;
  }
  std::atexit(flush_environment_recorder);
  return environment_recorder;
}

}  // namespace canopy::trace
