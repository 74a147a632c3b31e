// CANOPY_TRACE=path: the main thread's scheduler records to `path`.
#include "canopy/trace/environment.hpp"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>


namespace canopy::trace {
namespace {

// Never destroyed: the runtime may still report events while the process
// tears down (thread-local schedulers die after exit handlers run), and an
// observer must outlive every scheduler that holds it.
Recorder* the_recorder = nullptr;

// Fatal signals whose default action ends the process. SIGSEGV and SIGBUS
// are taken over only at the first event (see EnvironmentObserver).
constexpr int early_signals[] = {SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGTERM,
                                 SIGINT,  SIGHUP, SIGQUIT, SIGXCPU};
constexpr int fault_signals[] = {SIGSEGV, SIGBUS};
constexpr int max_signal = 65;
struct sigaction previous_actions[max_signal];

void on_fatal_signal(int signo, siginfo_t* info, void*) {
  if (the_recorder != nullptr) {
    RunEnd how;
    how.how = signo == SIGABRT ? "abort" : "signal";
    how.signal = signo;
    the_recorder->end(how);
  }
  // Whatever handled the signal before (the default, the stack-overflow
  // report) takes over: a fault runs again when this returns and reaches
  // it; a sent signal (kill, raise, abort) is sent again, and is delivered
  // to it once this handler returns.
  if (signo > 0 && signo < max_signal) sigaction(signo, &previous_actions[signo], nullptr);
  if (info == nullptr || info->si_code <= 0) raise(signo);
}

void take_over(int signo) {
  if (signo <= 0 || signo >= max_signal) return;
  struct sigaction current{};
  if (sigaction(signo, nullptr, &current) != 0) return;
  const bool is_default = !(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_DFL;
  // A handler the program (or the runtime's overflow report) installed
  // stays in charge; it is chained to for the faults, below.
  const bool chain_fault = signo == SIGSEGV || signo == SIGBUS;
  if (!is_default && !chain_fault) return;
  if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) return;
  struct sigaction ours{};
  ours.sa_sigaction = on_fatal_signal;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&ours.sa_mask);
  previous_actions[signo] = current;
  sigaction(signo, &ours, nullptr);
}

void end_at_exit(int status, void*) {
  if (the_recorder == nullptr) return;
  RunEnd how;
  how.how = "exit";
  how.status = status;
  the_recorder->end(how);
}

void stop_in_child() {
  if (the_recorder != nullptr) the_recorder->abandon();
}

// Installs the fault handlers at the first event: by then the scheduler's
// stack-overflow handler is in place, and ours must run before it (it ends
// the process without handing the fault on).
class EnvironmentObserver final : public runtime::Observer {
 public:
  explicit EnvironmentObserver(Recorder& recorder) : recorder_(recorder) {}
  void record(const runtime::Event& event) override {
    if (!faults_taken_over_) {
      faults_taken_over_ = true;
      for (int signo : fault_signals) take_over(signo);
    }
    recorder_.record(event);
  }

 private:
  Recorder& recorder_;
  bool faults_taken_over_ = false;
};

EnvironmentObserver* the_observer = nullptr;

std::string program_name() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  if (comm && std::getline(comm, name) && !name.empty()) return name;
  return program_invocation_short_name != nullptr ? program_invocation_short_name : "";
}

}  // namespace

runtime::Observer* environment_observer(const Header& requested) {
  if (the_observer != nullptr) return the_observer;
  const char* path = std::getenv("CANOPY_TRACE");
  if (path == nullptr || *path == '\0') return nullptr;
  Header header = requested;
  if (header.program.empty()) header.program = program_name();
  std::unique_ptr<Recorder> recorder = Recorder::open(path, header, std::string("CANOPY_TRACE=") + path);
  if (recorder == nullptr) {
    const int err = errno;
    std::fprintf(stderr, "canopy: cannot record the trace to CANOPY_TRACE=%s: %s%s; running without a trace\n",
                 path, std::strerror(err), err == ELOOP ? " (a symbolic link is not followed)" : "");
    return nullptr;
  }
  the_recorder = recorder.release();
  the_observer = new EnvironmentObserver(*the_recorder);
  for (int signo : early_signals) take_over(signo);
  ::on_exit(end_at_exit, nullptr);
  pthread_atfork(nullptr, nullptr, stop_in_child);
  return the_observer;
}

Recorder* environment_recorder() { return the_recorder; }

void end_environment_trace(const char* how, int status, const char* report) {
  if (the_recorder == nullptr) return;
  RunEnd end;
  end.how = how;
  end.status = status;
  end.report = report;
  the_recorder->end(end);
}

runtime::Observer* observer_from_environment(bool clock_is_simulated) {
  // The simulator opens the recorder itself, with the header its options
  // describe; this is the real runtime's header.
  Header header;
  header.clock_is_simulated = clock_is_simulated;
  if (!clock_is_simulated) header.strategy = "fifo";
  return environment_observer(header);
}

}  // namespace canopy::trace
