// Channels: unbuffered rendezvous between a sender and a receiver.
//
// chsend and chrecv are choose() with one clause, so there is one code path
// for matching, blocking, deadlines and cancellation. A message is copied
// straight from the sender's buffer into the receiver's, by whichever side
// arrives second; nothing is buffered in the channel.
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>

#include "choose_one.hpp"
#include "scheduler.hpp"

namespace canopy::core {

namespace {

}  // namespace

int Scheduler::channel_open(void* memory, int ends[2]) {
  // A channel built at a misaligned address is undefined behaviour.
  if (reinterpret_cast<std::uintptr_t>(memory) % alignof(Channel) != 0) return -EINVAL;
  Channel* ch = memory != nullptr ? new (memory) Channel() : new (std::nothrow) Channel();
  if (ch == nullptr) return -ENOMEM;
  ch->user_memory = memory != nullptr;
  runtime::ObjectId id = next_object_id();
  for (int side = 0; side < 2; ++side) {
    ChannelEnd& e = ch->ends[side];
    e.channel = ch;
    e.side = side;
    e.id = id;
    e.half_of[1] = &ch->halves[side];
    e.half_of[0] = &ch->halves[1 - side];
    ch->halves[side].channel = ch;
    ch->halves[side].from = side;
    e.handle = handles_.open(&e);
    if (e.handle < 0) {
      int err = e.handle;
      if (side == 1) handles_.close(ch->ends[0].handle);
      if (!ch->user_memory) delete ch;
      return err;
    }
  }
  ends[0] = ch->ends[0].handle;
  ends[1] = ch->ends[1].handle;
  CANOPY_EMIT({.kind = runtime::EventKind::object_open, .coroutine = current_->id, .object = id,
        .object_kind = runtime::ObjectKind::channel});
  return 0;
}

// Completes clause `c` on `end` at once if it can: its half is done (EPIPE),
// or a peer already waits on the other side (the message is copied straight
// between the two buffers and the peer woken; no record of our own is made).
// True when the clause completed, its own outcome in `err`.
[[gnu::always_inline]] inline bool Scheduler::complete_now(const ChooseClause& c, ChannelEnd& end,
                                                           int& err) {
  ChannelHalf& half = half_for(end, c.send);
  if (c.send) {
    if (half.done) {
      err = EPIPE;
      return true;
    }
    Clause* r = half.receivers_head;
    if (r == nullptr) return false;
    if (r->bytes != c.bytes) {
      wake(*r->waiter, EMSGSIZE, r->index);
      err = EMSGSIZE;
      return true;
    }
    channel_transfer(r->value, c.value, c.bytes, c.move);
    CANOPY_EMIT({.kind = runtime::EventKind::chsend, .coroutine = current_->id, .other = r->waiter->id,
          .object = end.id, .object_kind = runtime::ObjectKind::channel, .bytes = c.bytes,
          .side = end.side});
    CANOPY_EMIT({.kind = runtime::EventKind::chrecv, .coroutine = r->waiter->id, .other = current_->id,
          .object = end.id, .object_kind = runtime::ObjectKind::channel, .bytes = c.bytes,
          .side = 1 - end.side});
    wake(*r->waiter, 0, r->index);
    return true;
  }
  if (Clause* s = half.senders_head) {
    if (s->bytes != c.bytes) {
      wake(*s->waiter, EMSGSIZE, s->index);
      err = EMSGSIZE;
      return true;
    }
    channel_transfer(c.value, s->value, c.bytes, s->move);
    CANOPY_EMIT({.kind = runtime::EventKind::chsend, .coroutine = s->waiter->id, .other = current_->id,
          .object = end.id, .object_kind = runtime::ObjectKind::channel, .bytes = c.bytes,
          .side = 1 - end.side});
    CANOPY_EMIT({.kind = runtime::EventKind::chrecv, .coroutine = current_->id, .other = s->waiter->id,
          .object = end.id, .object_kind = runtime::ObjectKind::channel, .bytes = c.bytes,
          .side = end.side});
    wake(*s->waiter, 0, s->index);
    return true;
  }
  if (half.done) {
    err = EPIPE;
    return true;
  }
  return false;
}

bool Scheduler::complete_now_out_of_line(const ChooseClause& c, ChannelEnd& end, int& err) {
  return complete_now(c, end, err);
}

// choose_one when the run is observed, or the clause ends at once in an
// error (EPIPE, EMSGSIZE).
int Scheduler::choose_one_slow(const ChooseClause& c, ChannelEnd& end, std::int64_t deadline_ms,
                               int& err, runtime::BlockReason reason) {
  if (complete_now(c, end, err)) return 0;
  return choose_one_blocking(c, end, deadline_ms, err, reason);
}

}  // namespace canopy::core

#if defined(__x86_64__)
// The detour's half in C++ (context.h): the running coroutine's parked call
// was woken by a deadline, a cancellation, or its clause's own error.
extern "C" canopy_parked_result canopy_parked_finish(void) {
  using namespace canopy::core;
  Coroutine& self = Scheduler::current_if_any()->running();
  ParkedCall& p = self.parked;
  long result;
  if (p.finish == ParkedFinish::c_call) {
    // libdill's chsend and chrecv: every failure is -1 and errno.
    errno = self.wake_err;
    result = -1;
  } else if (p.finish == ParkedFinish::c_choose) {
    // libdill's choose: the clause's index with errno its outcome, or -1.
    errno = self.wake_err;
    result = self.wake_index >= 0 ? self.wake_index : -1;
  } else {
    assert(p.finish == ParkedFinish::cpp_call && "only calls that park are detoured");
    if (self.wake_index >= 0) {
      *p.clause_err = self.wake_err;
      result = self.wake_index;
    } else {
      result = -self.wake_err;
    }
  }
  return {result, p.resume_at};
}
#endif

namespace canopy::core {

namespace {
// choose_many's reading of an array of ChooseClause: in place, and every
// one a send or a receive.
auto in_place(const ChooseClause* clauses) {
  return [clauses](int i) -> const ChooseClause& { return clauses[i]; };
}
constexpr auto every_clause = [](int) { return true; };
}  // namespace

int Scheduler::choose(const ChooseClause* clauses, int count, std::int64_t deadline_ms, int& err,
                      runtime::BlockReason reason) {
  if (count == 1 && clauses != nullptr) return choose_one(clauses[0], deadline_ms, err, reason);
  err = 0;
  if (count < 0 || count > max_clauses || (count > 0 && clauses == nullptr)) return -EINVAL;
  if (count == 2) return choose_two(clauses, deadline_ms, err, reason);
  return choose_many(in_place(clauses), every_clause, count, deadline_ms, err, reason);
}

int Scheduler::choose_two(const ChooseClause* clauses, std::int64_t deadline_ms, int& err,
                          runtime::BlockReason reason) noexcept {
  err = 0;
  return choose_two_quick(
      in_place(clauses), every_clause, deadline_ms, reason, ParkedFinish::cpp_call, &err,
      [](int index, int*) { return index; },
      [&] { return choose_two_general(clauses, deadline_ms, err, reason); });
}

int Scheduler::choose_two_general(const ChooseClause* clauses, std::int64_t deadline_ms, int& err,
                                  runtime::BlockReason reason) noexcept {
  // Parks when it blocks: `err` is the caller's, so the detour can deliver
  // the clause's outcome there.
  return choose_many_as(in_place(clauses), every_clause, choose_of_two{}, deadline_ms, err, reason,
                        ParkedFinish::cpp_call, &err, result_as_is);
}

void Scheduler::end_half(ChannelHalf& half) {
  half.done = true;
  while (Clause* s = half.senders_head) wake(*s->waiter, EPIPE, s->index);
  while (Clause* r = half.receivers_head) wake(*r->waiter, EPIPE, r->index);
}

int Scheduler::chdone(int handle) {
  Object* o = handles_.find(handle);
  if (o == nullptr) return -EBADF;
  if (o->kind != runtime::ObjectKind::channel) return -ENOTSUP;
  auto& e = *static_cast<ChannelEnd*>(o);
  ChannelHalf& half = e.channel->halves[e.side];
  if (half.done) return -EPIPE;
  CANOPY_EMIT({.kind = runtime::EventKind::chdone, .coroutine = current_->id, .object = e.id,
        .object_kind = runtime::ObjectKind::channel, .side = e.side});
  end_half(half);
  return 0;
}

int Scheduler::close_channel_end(ChannelEnd& e, int handle) {
  handles_.close(handle);
  e.closed = true;
  Channel& ch = *e.channel;
  // Nothing can be sent from or received at a closed end any more: both
  // directions are over, and whoever waits on either is told so now.
  end_half(ch.halves[0]);
  end_half(ch.halves[1]);
  if (!ch.ends[0].closed || !ch.ends[1].closed) return 0;
  CANOPY_EMIT({.kind = runtime::EventKind::object_close, .coroutine = current_->id, .object = e.id,
        .object_kind = runtime::ObjectKind::channel});
  if (ch.user_memory) {
    ch.~Channel();
  } else {
    delete &ch;
  }
  return 0;
}

}  // namespace canopy::core
