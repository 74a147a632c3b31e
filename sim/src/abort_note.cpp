#include "abort_note.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstring>

#include "canopy/runtime/crash_note.hpp"
#include "canopy/trace/environment.hpp"

namespace canopy::sim::detail {

namespace {

constexpr std::size_t note_bytes = 1024;
char note[note_bytes];
char whatif[note_bytes];
struct sigaction previous_abort;
bool installed = false;
void (*hook_on_abort)() = nullptr;

void put(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void on_abort(int signo) {
  if (whatif[0] != '\0') {
    // Async-signal-safe: write(2) from a static buffer only.
    put("canopy: what-if: ");
    put(whatif);
    put("\n");
  }
  if (hook_on_abort != nullptr) {
    void (*hook)() = hook_on_abort;
    hook_on_abort = nullptr;
    hook();
  } else if (note[0] != '\0') {
    put("canopy: aborted under the simulator; replay: ");
    put(note);
    put("\n");
  }
  sigaction(SIGABRT, &previous_abort, nullptr);
  raise(signo);
}

}  // namespace

void set_abort_note(const std::string& replay_line) {
  std::strncpy(note, replay_line.c_str(), note_bytes - 1);
  note[note_bytes - 1] = '\0';
  runtime::set_crash_note(("canopy: replay: " + replay_line).c_str());
  if (installed) return;
  installed = true;
  struct sigaction sa{};
  sa.sa_handler = on_abort;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
  sigaction(SIGABRT, &sa, &previous_abort);
}

void before_process_ends(failure_kind kind, int status, const std::string& report) {
  trace::end_environment_trace(to_string(kind), status, report.c_str());
}

void set_whatif_note(const std::string& sentence) {
  std::strncpy(whatif, sentence.c_str(), note_bytes - 1);
  whatif[note_bytes - 1] = '\0';
  runtime::set_crash_note(("canopy: what-if: " + sentence + "\ncanopy: replay: " + std::string(note)).c_str());
}

void set_abort_hook(void (*hook)()) { hook_on_abort = hook; }

void clear_abort_note() {
  note[0] = '\0';
  whatif[0] = '\0';
  runtime::set_crash_note("");
}

}  // namespace canopy::sim::detail
