#include "stack_guard.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "scheduler.hpp"

namespace canopy::core {

namespace {

constexpr std::size_t alt_stack_bytes = 64 * 1024;
constexpr std::size_t crash_note_bytes = 1024;

struct sigaction previous_action;
char crash_note[crash_note_bytes];
std::once_flag handler_once;
thread_local bool thread_has_alt_stack = false;

// Async-signal-safe output: write(2) only, no allocation, no stdio.
void put(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void put_number(unsigned long long v) {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(p);
}

void on_segv(int signo, siginfo_t* info, void* context) {
  // Sent by kill, raise or sigqueue rather than raised by a faulting access:
  // returning would not fault again, so the signal would be lost.
  const bool sent = info->si_code <= 0;
  Scheduler* s = Scheduler::current_if_any();
  const Coroutine* running = s != nullptr ? s->running_or_null() : nullptr;
  if (!sent && running != nullptr && !running->is_main) {
    const Coroutine& c = *running;
    if (c.stack.contains_guard(info->si_addr)) {
      put("canopy: stack overflow in coroutine ");
      put_number(c.id);
      put(" spawned at ");
      put(c.site.file != nullptr ? c.site.file : "?");
      put(":");
      put_number(static_cast<unsigned long long>(c.site.line));
      if (c.site.function != nullptr && c.site.function[0] != '\0') {
        put(" (");
        put(c.site.function);
        put(")");
      }
      put(": it ran past the end of its ");
      put_number(c.stack.usable_bytes());
      put("-byte stack into the guard page. Give it a larger stack (CANOPY_STACK_BYTES, or the "
          "stack size of go) or use less of it.\n");
      if (crash_note[0] != '\0') {
        put(crash_note);
        put("\n");
      }
      // Die of the signal, as the program would have without Canopy: with
      // the default action back, the faulting access runs again and kills.
      signal(SIGSEGV, SIG_DFL);
      return;
    }
  }
  // Not ours: hand it to whoever handled SIGSEGV before.
  if (previous_action.sa_flags & SA_SIGINFO) {
    if (previous_action.sa_sigaction != nullptr) {
      previous_action.sa_sigaction(signo, info, context);
      return;
    }
  } else if (previous_action.sa_handler == SIG_IGN) {
    if (sent) return;  // ignored before Canopy, ignored now
  } else if (previous_action.sa_handler != SIG_DFL) {
    previous_action.sa_handler(signo);
    return;
  }
  signal(SIGSEGV, SIG_DFL);
  // A fault happens again when the handler returns; a sent signal has to be
  // sent again. It stays blocked until the handler returns, then kills.
  if (sent) raise(SIGSEGV);
}

}  // namespace

void install_stack_guard_for_thread() {
  std::call_once(handler_once, [] {
    struct sigaction sa{};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_action);
  });
  if (thread_has_alt_stack) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) {
    thread_has_alt_stack = true;  // someone (a sanitizer) already gave one
    return;
  }
  void* mem = mmap(nullptr, alt_stack_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (mem == MAP_FAILED) return;
  stack_t alt{};
  alt.ss_sp = mem;
  alt.ss_size = alt_stack_bytes;
  if (sigaltstack(&alt, nullptr) == 0) thread_has_alt_stack = true;
}

}  // namespace canopy::core

namespace canopy::runtime {

void set_crash_note(const char* note) {
  std::strncpy(core::crash_note, note, core::crash_note_bytes - 1);
  core::crash_note[core::crash_note_bytes - 1] = '\0';
}

}  // namespace canopy::runtime
