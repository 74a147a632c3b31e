// <libdill.h>: the C face. Each function records its caller (for fault
// injection and cancellation coverage), calls the runtime, and turns its
// result (non-negative, or a negative errno value: the convention described
// at the top of scheduler.hpp) into libdill's -1-and-errno contract. This is
// the only place where the scheduler's outcomes meet errno.
// The runtime's headers come first: <libdill.h> defines a `coroutine`
// macro that would rewrite their identifiers.
#include "scheduler.hpp"
#include "choose_one.hpp"


// Only the dill_ names: the raw ones would rewrite the scheduler's methods.
#define DILL_DISABLE_RAW_NAMES
#include "libdill.h"
#include "libdillimpl.h"

using canopy::core::Scheduler;

namespace {

/// A runtime result as libdill returns it: the value, or -1 with errno.
inline int c_result(int result) {
  if (__builtin_expect(result >= 0, 1)) return result;
  errno = -result;
  return -1;
}

/// A completed channel clause's own outcome (0 or a positive errno value)
/// as libdill's chsend/chrecv return it.
inline int c_clause_outcome(int err) {
  if (__builtin_expect(err == 0, 1)) return 0;
  errno = err;
  return -1;
}

#define CALLER __builtin_return_address(0)

/// What channel_op does: its operation and how its result is told.
/// Bit 0: sends; bit 1: a choose of one clause (told by errno, as choose).
enum ChannelOp : unsigned { op_chrecv = 0, op_chsend = 1, op_choose_recv = 2, op_choose_send = 3 };

// chsend, chrecv and choose of one clause all end in this one function, by
// a tail call, so a sender and a receiver that switch to each other return
// through the same code: the CPU's return prediction, filled by one, then
// serves the other.
[[gnu::noinline]] int channel_op(int ch, void* val, size_t len, int64_t deadline, ChannelOp op,
                                 const void* caller) {
  // By table and bit: this runs on every channel operation.
  static constexpr canopy::runtime::BlockReason reasons[4] = {
      canopy::runtime::BlockReason::chrecv, canopy::runtime::BlockReason::chsend,
      canopy::runtime::BlockReason::choose, canopy::runtime::BlockReason::choose};
  bool send = (op & 1) != 0;
  auto reason = reasons[op];
  canopy::core::ChooseClause c{send, ch, val, len, nullptr};
  int err = 0;
  // All three park when they block: the switch is this function's tail
  // call. A choose's errno 0 on success is the switch's (count_switch_to).
  auto how = op < op_choose_recv ? canopy::core::ParkedFinish::c_call : canopy::core::ParkedFinish::c_choose;
  return Scheduler::serving(caller).choose_one_as(c, deadline, err, reason, how, nullptr,
                                                  [op](int r, int clause_err) {
    if (r < 0) return c_result(r);
    if (op >= op_choose_recv) {
      // libdill's choose: the index, with errno saying how that clause ended.
      errno = clause_err;
      return 0;
    }
    return c_clause_outcome(clause_err);
  });
}

// <libdill.h>'s clause i as the scheduler's, read in place.
auto read_clauses(struct dill_chclause* clauses) {
  return [clauses](int i) {
    return canopy::core::ChooseClause{clauses[i].op == DILL_CHSEND, clauses[i].ch, clauses[i].val, clauses[i].len,
                                      nullptr};
  };
}

// Whether <libdill.h>'s clause i is a send or a receive at all.
auto known_operations(struct dill_chclause* clauses) {
  return [clauses](int i) { return clauses[i].op == DILL_CHSEND || clauses[i].op == DILL_CHRECV; };
}

// dill_choose of `count` clauses (an int, or Scheduler::choose_of_two),
// any number but one, read in place. A choose of two parks when it blocks,
// as a choose of one does.
template <class Count>
[[gnu::noinline]] int choose_clauses(struct dill_chclause* clauses, Count count, int64_t deadline,
                                     const void* caller) {
  int err = 0;
  constexpr auto how = std::is_same_v<Count, Scheduler::choose_of_two> ? canopy::core::ParkedFinish::c_choose
                                                                        : canopy::core::ParkedFinish::none;
  return Scheduler::serving(caller).choose_many_as(
      read_clauses(clauses), known_operations(clauses), count, deadline, err, canopy::runtime::BlockReason::choose,
      how, nullptr, [](int r, int clause_err) {
        if (r < 0) return c_result(r);
        // libdill's choose: the index, with errno saying how that clause ended.
        errno = clause_err;
        return r;
      });
}

// dill_choose of two clauses: choose_two_quick, which leaves everything
// but its common paths to choose_clauses.
[[gnu::noinline]] int choose_two_clauses(struct dill_chclause* clauses, int64_t deadline, const void* caller) {
  auto general = [=] { return choose_clauses(clauses, Scheduler::choose_of_two{}, deadline, caller); };
  Scheduler* s = Scheduler::current_if_any();
  if (__builtin_expect(s == nullptr, 0)) return general();
  s->set_call_site(caller);
  return s->choose_two_quick(read_clauses(clauses), known_operations(clauses), deadline,
                             canopy::runtime::BlockReason::choose, canopy::core::ParkedFinish::c_choose, nullptr,
                             [](int index, int* errno_location) {
                               // libdill's choose: the index, with errno 0 for a clean completion.
                               *errno_location = 0;
                               return index;
                             },
                             general);
}

}  // namespace

extern "C" {

int canopy_vla_bytes = 1;

const int canopy_go_tells_arrival = CANOPY_ASAN;

int64_t dill_now(void) { return Scheduler::current().now_ms(); }

namespace {
// hclose's every case but the common one (and the thread's first call),
// with the C edge's errno: a tail call from dill_hclose, which then needs
// no frame of its own.
[[gnu::noinline]] int hclose_general_c(int h, const void* caller) {
  return c_result(Scheduler::serving(caller).hclose(h));
}
}  // namespace

int dill_hclose(int h) {
  Scheduler* s = Scheduler::current_if_any();
  if (__builtin_expect(s != nullptr, 1)) {
    s->set_call_site(CALLER);
    if (__builtin_expect(s->forget_if_finished(h), 1)) return 0;
  }
  return hclose_general_c(h, CALLER);
}

int dill_hown(int h) { return c_result(Scheduler::serving(CALLER).hown(h)); }

int dill_hmake(struct dill_hvfs* vfs) { return c_result(Scheduler::serving(CALLER).user_open(vfs)); }

void* dill_hquery(int h, const void* type) {
  void* answer = nullptr;
  if (c_result(Scheduler::serving(CALLER).user_query(h, type, answer)) < 0) return nullptr;
  return answer;
}

int dill_hdone(int h, int64_t deadline) { return c_result(Scheduler::serving(CALLER).hdone(h, deadline)); }

int dill_bundle(void) { return c_result(Scheduler::serving(CALLER).bundle_open(nullptr)); }

int dill_bundle_mem(struct dill_bundle_storage* mem) {
  if (mem == nullptr) return c_result(-EINVAL);
  return c_result(Scheduler::serving(CALLER).bundle_open(mem));
}

int dill_bundle_wait(int bndl, int64_t deadline) {
  return c_result(Scheduler::serving(CALLER).bundle_wait(bndl, deadline));
}

int dill_yield(void) {
  return Scheduler::serve_frameless(CALLER, [](Scheduler& s) {
    return s.yield_as([](int result) { return c_result(result); });
  });
}

int dill_msleep(int64_t deadline) { return c_result(Scheduler::serving(CALLER).msleep(deadline)); }

int dill_fdclean(int fd) { return c_result(Scheduler::current().fd_clean(fd)); }

int dill_fdin(int fd, int64_t deadline) {
  return c_result(Scheduler::serving(CALLER).fd_wait(fd, canopy::runtime::Direction::in, deadline));
}

int dill_fdout(int fd, int64_t deadline) {
  return c_result(Scheduler::serving(CALLER).fd_wait(fd, canopy::runtime::Direction::out, deadline));
}

namespace {
// go() through the general path, with the C edge's errno.
[[gnu::noinline]] int spawn_general(const canopy::core::SpawnRequest& request, canopy_ctx** parent,
                                    void** stack_top, const void* caller) {
  return c_result(Scheduler::serving(caller).spawn_inline(request, parent, stack_top));
}

// A go() with neither the caller's memory nor a bundle, through the general path.
[[gnu::noinline]] int go_default_general(canopy_ctx** parent, void** stack_top, const char* file, int line,
                                         const char* expr, const void* caller) {
  canopy::core::SpawnRequest request;
  request.site = {file, line, expr};
  return spawn_general(request, parent, stack_top, caller);
}

// The same: the common case inline, and every other case (and the
// thread's first call) in a tail call, so that this needs no frame.
[[gnu::always_inline]] inline int go_default(canopy_ctx** parent, void** stack_top, const char* file, int line,
                                             const char* expr, const void* caller) {
  if (Scheduler* s = Scheduler::current_if_any(); __builtin_expect(s != nullptr, 1)) {
    s->set_call_site(caller);
    int handle = s->try_spawn_inline({file, line, expr}, parent, stack_top);
    if (__builtin_expect(handle != Scheduler::spawn_declined, 1)) return handle;
  }
  return go_default_general(parent, stack_top, file, line, expr, caller);
}

// go_default for canopy_go_prologue (code built before canopy_go_default),
// as a tail call: its register saves stay off the prologue's other paths.
[[gnu::noinline]] int go_default_called(canopy_ctx** parent, void** stack_top, const char* file, int line,
                                        const char* expr, const void* caller) {
  return go_default(parent, stack_top, file, line, expr, caller);
}
}  // namespace

int canopy_go_default(canopy_ctx** parent, void** stack_top, const struct canopy_go_site* site) {
  return go_default(parent, stack_top, site->file, site->line, site->expr, CALLER);
}

int canopy_go_prologue(canopy_ctx** parent, void** stack_top, void* mem, size_t len, int join,
                       int bndl, const char* file, int line, const char* expr) {
  if (__builtin_expect(mem == nullptr && join == 0, 1)) {
    return go_default_called(parent, stack_top, file, line, expr, CALLER);
  }
  canopy::core::SpawnRequest request;
  request.join = join != 0;
  request.bundle_handle = bndl;
  request.memory = mem;
  request.memory_bytes = len;
  request.site = {file, line, expr};
  return spawn_general(request, parent, stack_top, CALLER);
}

void canopy_go_started(void) { Scheduler::current().arrived(); }

void canopy_go_resumed(void) { Scheduler::current().arrived(); }

void canopy_go_epilogue(void) { Scheduler::current().exit_current(); }

const canopy_ctx* canopy_go_finish(void) {
#if CANOPY_ASAN || CANOPY_TSAN
  // No frame may return once the sanitizers were told of the switch.
  Scheduler::current().exit_current();
#else
  return Scheduler::current().finish_current();
#endif
}

int canopy_go_closure(void* mem, size_t len, int join, int bndl, const char* file, int line,
                      const char* expr, size_t closure_bytes, size_t closure_align,
                      void (*construct)(void*, void*), void* src, void (*run)(void*)) {
  canopy::core::SpawnRequest request;
  request.join = join != 0;
  request.bundle_handle = bndl;
  request.memory = mem;
  request.memory_bytes = len;
  request.site = {file, line, expr};
  return c_result(
      Scheduler::serving(CALLER).spawn_closure(request, {closure_bytes, closure_align, construct, src, run}));
}

int dill_chmake(int chv[2]) {
  if (chv == nullptr) return c_result(-EINVAL);
  return c_result(Scheduler::serving(CALLER).channel_open(nullptr, chv));
}

int dill_chmake_mem(struct dill_chstorage* mem, int chv[2]) {
  if (mem == nullptr || chv == nullptr) return c_result(-EINVAL);
  return c_result(Scheduler::serving(CALLER).channel_open(mem, chv));
}

int dill_chsend(int ch, const void* val, size_t len, int64_t deadline) {
  return channel_op(ch, const_cast<void*>(val), len, deadline, op_chsend, CALLER);
}

int dill_chrecv(int ch, void* val, size_t len, int64_t deadline) {
  return channel_op(ch, val, len, deadline, op_chrecv, CALLER);
}

int dill_chdone(int ch) { return c_result(Scheduler::serving(CALLER).chdone(ch)); }

int dill_choose(struct dill_chclause* clauses, int nclauses, int64_t deadline) {
  if (nclauses < 0 || nclauses > Scheduler::max_clauses || (nclauses > 0 && clauses == nullptr)) {
    return c_result(-EINVAL);
  }
  if (nclauses == 1) {
    // One clause: no array to convert into, and the body chsend and chrecv
    // share, reached by a tail call.
    const dill_chclause& only = clauses[0];
    if (only.op != DILL_CHSEND && only.op != DILL_CHRECV) return c_result(-EINVAL);
    return channel_op(only.ch, only.val, only.len, deadline,
                      only.op == DILL_CHSEND ? op_choose_send : op_choose_recv, CALLER);
  }
  if (nclauses == 2) return choose_two_clauses(clauses, deadline, CALLER);
  return choose_clauses(clauses, nclauses, deadline, CALLER);
}

}  // extern "C"

static_assert(sizeof(canopy::core::Bundle) <= sizeof(dill_bundle_storage) &&
                  alignof(canopy::core::Bundle) <= alignof(dill_bundle_storage),
              "struct dill_bundle_storage must hold a bundle");
static_assert(sizeof(canopy::core::Channel) <= sizeof(dill_chstorage) &&
                  alignof(canopy::core::Channel) <= alignof(dill_chstorage),
              "struct dill_chstorage must hold a channel");
