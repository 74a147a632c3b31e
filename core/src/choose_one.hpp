// chsend, chrecv and choose of one clause, inline: the C and C++ entry
// points (c_api.cpp, api.cpp) and choose() (channel.cpp) include this, so a
// rendezvous with a waiting peer costs no call into the scheduler and no
// clause built in memory. Only these three files include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "blocking.hpp"

namespace canopy::core {

[[gnu::always_inline]] inline void channel_transfer(void* dst, void* src, std::size_t bytes, void (*move)(void*, void*)) {
  if (move != nullptr) {
    move(dst, src);
  } else if (bytes - 4 <= 4) {
    // 4 to 8 bytes (an int, a pointer, a handle pair), the usual message:
    // two overlapping 4-byte copies instead of a call into memcpy.
    std::uint32_t head, tail;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, static_cast<std::byte*>(src) + bytes - 4, 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(static_cast<std::byte*>(dst) + bytes - 4, &tail, 4);
  } else if (bytes != 0) {
    std::memcpy(dst, src, bytes);
  }
}

// The half a clause on end `end` of its channel sends into or receives from.
[[gnu::always_inline]] inline ChannelHalf& half_for(ChannelEnd& end, bool send) {
  return *end.half_of[send];
}

[[gnu::always_inline]] inline void clause_push_back(Clause*& head, Clause*& tail, Clause& c) {
  c.prev = tail;
  c.next = nullptr;
  (tail != nullptr ? tail->next : head) = &c;
  tail = &c;
}

// Queues `q` (a clause of the running coroutine) behind the others waiting
// on its half.
[[gnu::always_inline]] inline void Scheduler::enqueue(Clause& q, const ChooseClause& c, ChannelEnd& end, int index) {
  q.waiter = current_;
  q.value = c.value;
  q.bytes = c.bytes;
  q.move = c.move;
  q.index = index;
  q.sending = c.send;
  q.half = &half_for(end, c.send);
  if (q.sending) {
    clause_push_back(q.half->senders_head, q.half->senders_tail, q);
  } else {
    clause_push_back(q.half->receivers_head, q.half->receivers_tail, q);
  }
}

// choose_one when no peer waits: queue the clause and block. Inline too:
// the record and the clause are built from the caller's values directly.
[[gnu::always_inline]] inline int Scheduler::choose_one_blocking(const ChooseClause& c, ChannelEnd& end,
                                   std::int64_t deadline_ms, int& err,
                                   runtime::BlockReason reason) {
  if (deadline_ms == 0) return -ETIMEDOUT;
  if (int injected = injected_failure(reason, deadline_ms)) return injected;
  Clause q;
  Wait w;
  w.reason = reason;
  w.object = end.id;
  w.clauses = &q;
  w.clause_count = 1;
  enqueue(q, c, end, 0);
  int e = block_inline(w, deadline_ms);
  if (current_->wake_index >= 0) {
    // The clause's own outcome (EPIPE, EMSGSIZE), delivered by its peer.
    err = -e;
    return 0;
  }
  return e;
}

// Completes a rendezvous with `peer`, the oldest clause queued at `head`,
// whose message has already been copied: unlinks it (and the peer's other
// clauses, for a choose) and makes its coroutine ready. When the peer waits
// on that clause alone (a chsend or chrecv, the usual case), this is a few
// stores; a deadline goes through wake(), which unlinks every part.
[[gnu::always_inline]] inline void Scheduler::hand_off(Clause& peer, Clause*& head, Clause*& tail) {
  Coroutine& p = *peer.waiter;
  Wait& w = *p.wait;
  if (__builtin_expect(w.has_timer, 0)) {
    wake(p, 0, peer.index);
    return;
  }
  ready_.push(&hand_off_untimed(peer, head, tail));
}

[[gnu::always_inline]] inline Coroutine& Scheduler::hand_off_untimed(Clause& peer, Clause*& head, Clause*& tail) {
  Coroutine& p = *peer.waiter;
  Wait& w = *p.wait;
  assert(!w.has_timer && "an untimed hand-off is to a wait with no deadline");
  // A channel wait is registered with nothing but its clauses.
  assert(w.fd < 0 && w.bundle == nullptr && "a channel wait watches no descriptor and no bundle");
  // The peer heads its queue: unlinked from there directly. The others of
  // a choose, if any, go wherever they are queued.
  head = peer.next;
  (peer.next != nullptr ? peer.next->prev : tail) = nullptr;
  peer.half = nullptr;
  if (__builtin_expect(w.clause_count != 1, 0)) {
    if (w.clause_count == 2) {
      unlink_clause(w.clauses[1 - peer.index]);
    } else {
      unlink_clauses(w);
    }
  }
  p.wait = nullptr;
  p.wake_err = 0;
  p.wake_index = peer.index;
  // A parked call returns it; a call blocked in a frame ignores it.
  set_resume_value(p, peer.index);
  p.state = CoroutineState::ready;
  return p;
}

// The rendezvous of clause `c` on `end` when nothing observes the run
// (fast_): with a peer of the same message size queued, the message goes
// straight between the two buffers and the peer is handed the turn
// (`done`); with nobody queued on a half still open, the caller may block
// (`blocks`); anything else (EPIPE, EMSGSIZE) is complete_now's (`general`).
// A queued peer means the half is not done: ending it wakes them all.
[[gnu::always_inline]] inline Scheduler::Rendezvous Scheduler::complete_fast(const ChooseClause& c,
                                                                             ChannelEnd& end) {
  ChannelHalf& half = half_for(end, c.send);
  if (c.send) {
    Clause* r = half.receivers_head;
    if (r == nullptr) return half.done ? Rendezvous::general : Rendezvous::blocks;
    if (r->bytes != c.bytes) return Rendezvous::general;
    channel_transfer(r->value, c.value, c.bytes, c.move);
    hand_off(*r, half.receivers_head, half.receivers_tail);
    return Rendezvous::done;
  }
  Clause* s = half.senders_head;
  if (s == nullptr) return half.done ? Rendezvous::general : Rendezvous::blocks;
  if (s->bytes != c.bytes) return Rendezvous::general;
  channel_transfer(c.value, s->value, c.bytes, s->move);
  hand_off(*s, half.senders_head, half.senders_tail);
  return Rendezvous::done;
}

/// choose_one_as's `convert` for an entry point whose result is the
/// scheduler's own: 0, or minus an errno value.
inline constexpr auto result_as_is = [](int result, int) { return result; };

inline bool Scheduler::may_park(std::int64_t deadline_ms) const {
  return parks_calls && deadline_ms != 0 && platform_.injector == nullptr && !ready_.empty() &&
         switches_until_poll_ != 1;
}

// The blocking half of choose_one_blocking (or choose_many) and
// switch_to_next, with what they keep on the stack kept in the coroutine's
// record instead.
template <class At>
[[gnu::always_inline]] inline int Scheduler::park(At at, ChannelEnd* const* ends, int count,
                                                  std::int64_t deadline_ms, runtime::BlockReason reason,
                                                  ParkedFinish how, int* clause_err) {
  assert(fast_ && may_park(deadline_ms) && "only an unobserved call with a coroutine to run parks");
  assert(count >= 1 && count <= ParkedCall::max_clauses && "a call parks with one or two clauses");
  Coroutine& self = *current_;
  ParkedCall& p = self.parked;
  assert(p.wait.clauses == p.clauses && p.wait.fd < 0 && p.wait.bundle == nullptr && p.wait.cancellable &&
         !p.wait.has_timer && "a parked call's wait record is left as it was made between calls");
  p.wait.reason = reason;
  p.wait.object = ends[0]->id;
  p.wait.clause_count = count;
  p.finish = how;
  p.clause_err = clause_err;
  for (int i = 0; i < count; ++i) enqueue(p.clauses[i], at(i), *ends[i], i);
  if (deadline_ms < 0) {
    // Unobserved (fast_) and untimed: nothing to arm or tell.
    enter_untimed_wait(p.wait);
  } else {
    enter_wait(p.wait, deadline_ms);
  }
  --switches_until_poll_;
  return switch_into_returning_resume_value(self, *ready_.pop());
}

template <class At, class Acceptable, class Done, class General>
[[gnu::always_inline]] inline int Scheduler::choose_two_quick(At at, Acceptable acceptable,
                                                              std::int64_t deadline_ms,
                                                              runtime::BlockReason reason, ParkedFinish how,
                                                              int* clause_err, Done done, General general) {
  if (__builtin_expect(!fast_ || (current_->cancelled | current_->no_blocking), 0)) return general();
  ChannelEnd* ends[2];
  for (int i = 0; i < 2; ++i) {
    if (!acceptable(i)) return general();
    Object* o = handles_.find_in_first_chunk(at(i).handle);
    if (o == nullptr || o->kind != runtime::ObjectKind::channel) return general();
    if (at(i).bytes != 0 && at(i).value == nullptr) return general();
    ends[i] = static_cast<ChannelEnd*>(o);
  }
  // The first clause that can complete now wins, in the caller's order.
  for (int i = 0; i < 2; ++i) {
    const ChooseClause& c = at(i);
    ChannelHalf& half = half_for(*ends[i], c.send);
    Clause*& head = c.send ? half.receivers_head : half.senders_head;
    Clause*& tail = c.send ? half.receivers_tail : half.senders_tail;
    Clause* peer = head;
    if (peer == nullptr) {
      if (half.done) return general();
      continue;
    }
    if (peer->bytes != c.bytes || c.bytes - 4 > 4 || (c.send ? c.move : peer->move) != nullptr ||
        peer->waiter->wait->has_timer || !ready_.has_room()) {
      return general();
    }
    if (c.send) {
      channel_transfer(peer->value, c.value, c.bytes, nullptr);
    } else {
      channel_transfer(c.value, peer->value, c.bytes, nullptr);
    }
    ready_.push_into_room(&hand_off_untimed(*peer, head, tail));
    return done(i, errno_);
  }
  if (deadline_ms >= 0 || !may_park(deadline_ms)) return general();
  return park(at, ends, 2, deadline_ms, reason, how, clause_err);
}

// chsend, chrecv and choose of one clause: the same rules as choose() with
// nothing to loop over and no arrays to set up. Unobserved, a waiting peer
// is served inline (complete_fast) and so is blocking; the rest (events to
// tell, EPIPE, EMSGSIZE) is out of line, so the frame stays small.
template <class Convert>
[[gnu::always_inline]] inline int Scheduler::choose_one_as(const ChooseClause& c, std::int64_t deadline_ms,
                                                           int& err, runtime::BlockReason reason,
                                                           ParkedFinish how, int* clause_err,
                                                           Convert convert) {
  err = 0;
  Object* o = handles_.find(c.handle);
  if (o == nullptr) return convert(-EBADF, err);
  if (o->kind != runtime::ObjectKind::channel) return convert(-ENOTSUP, err);
  if (c.bytes != 0 && c.value == nullptr) return convert(-EINVAL, err);
  if (refuse_if_cancelled()) return convert(-ECANCELED, err);
  auto& end = *static_cast<ChannelEnd*>(o);
  if (__builtin_expect(fast_, 1)) {
    Rendezvous r = complete_fast(c, end);
    if (r == Rendezvous::done) return convert(0, err);
    if (r == Rendezvous::blocks) {
      if (how != ParkedFinish::none && may_park(deadline_ms)) {
        ChannelEnd* ends[1] = {&end};
        return park([&c](int) -> const ChooseClause& { return c; }, ends, 1, deadline_ms, reason, how,
                    clause_err);
      }
      int result = choose_one_blocking(c, end, deadline_ms, err, reason);
      return convert(result, err);
    }
  }
  // Copies go out of line, so that the caller's clause and err never have
  // their addresses taken and can stay in registers on the paths above.
  ChooseClause clause = c;
  int clause_err_copy = err;
  int result = choose_one_slow(clause, end, deadline_ms, clause_err_copy, reason);
  err = clause_err_copy;
  return convert(result, err);
}

[[gnu::always_inline]] inline int Scheduler::choose_one(const ChooseClause& c, std::int64_t deadline_ms, int& err,
                          runtime::BlockReason reason) {
  return choose_one_as(c, deadline_ms, err, reason, ParkedFinish::none, nullptr, result_as_is);
}

// complete_now_out_of_line on copies, for the reason choose_one's slow
// path has.
[[gnu::always_inline]] inline bool Scheduler::complete_now_on_copies(const ChooseClause& c, ChannelEnd& end,
                                                                    int& err) {
  ChooseClause clause = c;
  int clause_err = err;
  bool done = complete_now_out_of_line(clause, end, clause_err);
  err = clause_err;
  return done;
}

// The ends array of a choose whose clauses all fit on the stack: no heap,
// and so no destructor to run after a parked call's tail call.
struct NoHeapEnds {
  ChannelEnd** get() const { return nullptr; }
};

// choose() of `count` clauses (0 or 2 to max_clauses), the i-th being
// at(i): a ChooseClause, or a value built from the caller's own clause type
// (<libdill.h>'s, in c_api.cpp), so that no array is converted first.
template <class At, class Acceptable, class Count, class Convert>
[[gnu::always_inline]] inline int Scheduler::choose_many_as(At at, Acceptable acceptable, Count count,
                                                            std::int64_t deadline_ms, int& err,
                                                            runtime::BlockReason reason, ParkedFinish how,
                                                            int* clause_err, Convert convert) {
  // Up to two on the stack; more go to the heap (the caller's stack may be
  // a 1 KiB stack-on-stack). With a constant count of two there is no heap
  // to consider, and the call may park.
  constexpr bool on_stack = std::is_same_v<Count, choose_of_two>;
  // Validate everything before touching anything: a bad clause must not
  // leave half an operation done.
  ChannelEnd* small[2];
  std::conditional_t<on_stack, NoHeapEnds, std::unique_ptr<ChannelEnd*[]>> large;
  ChannelEnd** ends = small;
  if constexpr (!on_stack) {
    if (count > 2) {
      large.reset(new ChannelEnd*[static_cast<std::size_t>(count)]);
      ends = large.get();
    }
  }
  for (int i = 0; i < count; ++i) {
    if (!acceptable(i)) return convert(-EINVAL, err);
    Object* o = handles_.find(at(i).handle);
    if (o == nullptr) return convert(-EBADF, err);
    if (o->kind != runtime::ObjectKind::channel) return convert(-ENOTSUP, err);
    ends[i] = static_cast<ChannelEnd*>(o);
    if (at(i).bytes != 0 && at(i).value == nullptr) return convert(-EINVAL, err);
  }
  if (refuse_if_cancelled()) return convert(-ECANCELED, err);
  // The first clause that can complete now wins, in the caller's order.
  if (__builtin_expect(fast_, 1)) {
    for (int i = 0; i < count; ++i) {
      Rendezvous r = complete_fast(at(i), *ends[i]);
      if (r == Rendezvous::done) return convert(i, err);
      if (r == Rendezvous::general && complete_now_on_copies(at(i), *ends[i], err)) return convert(i, err);
    }
    if constexpr (on_stack) {
      if (how != ParkedFinish::none && may_park(deadline_ms)) {
        return park(at, ends, count, deadline_ms, reason, how, clause_err);
      }
    }
  } else {
    for (int i = 0; i < count; ++i) {
      if (complete_now_on_copies(at(i), *ends[i], err)) return convert(i, err);
    }
  }
  // Blocking first: it sets `err`, which convert reads.
  int result = choose_many_blocking(at, ends, count, deadline_ms, err, reason);
  return convert(result, err);
}

// choose_many_as's end when nothing can complete now: wait, in a frame, for
// the first clause that can (or the deadline).
template <class At, class Count>
[[gnu::always_inline]] inline int Scheduler::choose_many_blocking(At at, ChannelEnd* const* ends, Count count,
                                                                  std::int64_t deadline_ms, int& err,
                                                                  runtime::BlockReason reason) {
  constexpr bool on_stack = std::is_same_v<Count, choose_of_two>;
  if (deadline_ms == 0 || count == 0) {
    // Nothing can complete now and the caller will not wait (an empty
    // choose can only wait for its deadline, or forever).
    if (count == 0 && deadline_ms != 0) {
      Wait w;
      w.reason = reason;
      int e = injected_failure(reason, deadline_ms);
      if (e == 0) e = block(w, deadline_ms);
      return e;
    }
    return -ETIMEDOUT;
  }
  if (int injected = injected_failure(reason, deadline_ms)) return injected;
  Clause small_clauses[2];
  std::unique_ptr<Clause[]> large_clauses;
  Clause* queued = small_clauses;
  if (!on_stack && count > 2) {
    large_clauses.reset(new Clause[static_cast<std::size_t>(count)]);
    queued = large_clauses.get();
  }
  Wait w;
  w.reason = reason;
  w.object = ends[0]->id;
  w.clauses = queued;
  w.clause_count = count;
  for (int i = 0; i < count; ++i) enqueue(queued[i], at(i), *ends[i], i);
  int e = block_inline(w, deadline_ms);
  Coroutine& self = *current_;
  if (self.wake_index >= 0) {
    // The clause's own outcome (EPIPE, EMSGSIZE), delivered by its peer.
    err = -e;
    return self.wake_index;
  }
  return e;
}

template <class At, class Acceptable, class Count>
[[gnu::always_inline]] inline int Scheduler::choose_many(At at, Acceptable acceptable, Count count,
                                                         std::int64_t deadline_ms, int& err,
                                                         runtime::BlockReason reason) {
  return choose_many_as(at, acceptable, count, deadline_ms, err, reason, ParkedFinish::none, nullptr,
                        result_as_is);
}

}  // namespace canopy::core
