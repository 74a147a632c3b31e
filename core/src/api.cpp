// The C++ face's entry points (canopy/detail/api.hpp): each finds this
// thread's scheduler and forwards, turning the scheduler's negative errno
// results (scheduler.hpp) into the positive errno values of canopy::status
// where detail/api.hpp says 0-or-errno; handles and indices pass through.
#include "canopy/detail/api.hpp"

#include <cerrno>

#include "canopy/version.hpp"
#include "scheduler.hpp"
#include "choose_one.hpp"

namespace canopy {

const char* version() noexcept { return CANOPY_VERSION; }

namespace detail {

using core::Scheduler;

// The C++ wrappers are inline, so the return address of these out-of-line
// functions lies in the user's code: that is the call site served.
#define SERVING (Scheduler::serving(__builtin_return_address(0)))

std::int64_t now_ms() noexcept { return Scheduler::current().now_ms(); }

int yield() noexcept {
  return Scheduler::serve_frameless(__builtin_return_address(0), [](Scheduler& s) {
    return s.yield_as([](int result) { return -result; });
  });
}

int msleep(std::int64_t deadline_ms) noexcept { return -SERVING.msleep(deadline_ms); }

namespace {
// hclose's every case but the common one (and the thread's first call),
// with the C++ face's positive errno: a tail call from hclose, which then
// needs no frame of its own.
[[gnu::noinline]] int hclose_general_cpp(int handle, const void* caller) noexcept {
  return -Scheduler::serving(caller).hclose(handle);
}
}  // namespace

int hclose(int handle) noexcept {
  const void* caller = __builtin_return_address(0);
  Scheduler* s = Scheduler::current_if_any();
  if (__builtin_expect(s != nullptr, 1)) {
    s->set_call_site(caller);
    if (__builtin_expect(s->forget_if_finished(handle), 1)) return 0;
  }
  return hclose_general_cpp(handle, caller);
}

int hdone(int handle, std::int64_t deadline_ms) noexcept {
  return -SERVING.hdone(handle, deadline_ms);
}

int bundle_open(void* memory) noexcept {
  return Scheduler::current().bundle_open(memory);
}

int bundle_wait(int handle, std::int64_t deadline_ms) noexcept {
  return -SERVING.bundle_wait(handle, deadline_ms);
}

int spawn(const runtime::SpawnRequest& request, const runtime::SpawnClosure& closure) noexcept {
  return Scheduler::serve_frameless(__builtin_return_address(0), [&](Scheduler& s) {
    return s.spawn_closure(request, closure);
  });
}

int chmake(void* memory, int ends[2]) noexcept {
  return -Scheduler::current().channel_open(memory, ends);
}

namespace {

// The three entry points' bodies, with the call site they serve.
[[gnu::always_inline]] inline const core::ChooseClause* as_core(const choose_clause* clauses) {
  static_assert(sizeof(choose_clause) == sizeof(core::ChooseClause));
  return reinterpret_cast<const core::ChooseClause*>(clauses);
}

[[gnu::always_inline]] inline int serve_choose_one(const void* caller, const choose_clause& clause,
                                                   std::int64_t deadline_ms, int& err) {
  auto reason = clause.send ? runtime::BlockReason::chsend : runtime::BlockReason::chrecv;
  // Parks when it blocks (ParkedCall): `err` is the caller's, so the
  // detour can deliver the clause's outcome there.
  return Scheduler::serving(caller).choose_one_as(*as_core(&clause), deadline_ms, err, reason,
                                                  core::ParkedFinish::cpp_call, &err, core::result_as_is);
}

[[gnu::always_inline]] inline int serve_choose_two(const void* caller, const choose_clause* clauses,
                                                   std::int64_t deadline_ms, int& err) {
  return Scheduler::serving(caller).choose_two(as_core(clauses), deadline_ms, err,
                                               runtime::BlockReason::choose);
}

}  // namespace

int choose(const choose_clause* clauses, int count, std::int64_t deadline_ms, int& err) noexcept {
  const void* caller = __builtin_return_address(0);
  if (count == 1 && clauses != nullptr) return serve_choose_one(caller, clauses[0], deadline_ms, err);
  if (count == 2 && clauses != nullptr) return serve_choose_two(caller, clauses, deadline_ms, err);
  return Scheduler::serving(caller).choose(as_core(clauses), count, deadline_ms, err,
                                           runtime::BlockReason::choose);
}

int choose_one(const choose_clause& clause, std::int64_t deadline_ms, int& err) noexcept {
  return serve_choose_one(__builtin_return_address(0), clause, deadline_ms, err);
}

namespace {
// The thread's first use of the runtime, apart, as Scheduler::serve_frameless
// does it; by hand, since a closure of the three arguments would be passed in
// memory, which rules the tail calls out.
[[gnu::noinline, gnu::cold]] int choose_two_first_use(const void* caller, const choose_clause* clauses,
                                                     std::int64_t deadline_ms, int& err) noexcept {
  return serve_choose_two(caller, clauses, deadline_ms, err);
}
}  // namespace

int choose_two(const choose_clause* clauses, std::int64_t deadline_ms, int& err) noexcept {
  const void* caller = __builtin_return_address(0);
  Scheduler* s = Scheduler::current_if_any();
  if (__builtin_expect(s == nullptr, 0)) return choose_two_first_use(caller, clauses, deadline_ms, err);
  s->set_call_site(caller);
  return s->choose_two(as_core(clauses), deadline_ms, err, runtime::BlockReason::choose);
}

int chdone(int handle) noexcept { return -SERVING.chdone(handle); }

int fd_wait(int fd, bool out, std::int64_t deadline_ms) noexcept {
  return -SERVING.fd_wait(fd, out ? runtime::Direction::out : runtime::Direction::in,
                         deadline_ms);
}

int fd_clean(int fd) noexcept { return -Scheduler::current().fd_clean(fd); }

std::uint64_t current_id() noexcept { return Scheduler::current().running().id; }

void set_default_stack_bytes(std::size_t bytes) noexcept {
  Scheduler::current().set_default_stack(bytes);
}

}  // namespace detail
}  // namespace canopy
