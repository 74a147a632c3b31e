// An unbuffered channel with two ends, as in libdill 2: a message sent into
// one end is received from the other. Each direction is a "half" with its
// own queues of blocked senders and receivers and its own done flag.
#pragma once

#include <cstddef>

#include "object.hpp"

namespace canopy::core {

struct Coroutine;
struct Channel;

/// One blocked channel operation: a chsend/chrecv, or one clause of choose.
/// Lives on the blocked coroutine's stack. Left uninitialized on purpose:
/// enqueue() sets every field when it queues the clause, and nothing reads
/// a clause that was never queued.
struct Clause {
  Coroutine* waiter;             ///< who blocks on it
  struct ChannelHalf* half;      ///< the queue it is in; null once unlinked
  void* value;                   ///< send: the message; receive: where it goes
  std::size_t bytes;             ///< message length
  /// Moves a message when both sides are typed C++ channels of the same T:
  /// constructs at dst from src. Null: memcpy.
  void (*move)(void* dst, void* src);
  int index;                     ///< position in the choose array
  bool sending;                  ///< which queue of `half` it is in
  Clause* prev;                  ///< neighbours in that queue (FIFO)
  Clause* next;
};

/// Messages travelling one way, from end `from` to the other end.
struct ChannelHalf {
  Clause* senders_head = nullptr;    ///< blocked senders, oldest first
  Clause* senders_tail = nullptr;
  Clause* receivers_head = nullptr;  ///< blocked receivers, oldest first
  Clause* receivers_tail = nullptr;
  bool done = false;                 ///< no more messages this way: EPIPE
  Channel* channel = nullptr;
  int from = 0;                      ///< end the messages leave from
};

/// An end of a channel, what a channel handle names.
struct ChannelEnd : Object {
  Channel* channel = nullptr;
  /// The halves of `channel` a clause on this end uses, by whether it
  /// sends ([1], halves[side]) or receives ([0], the other): one load on
  /// every channel operation, where an index takes five instructions.
  ChannelHalf* half_of[2] = {nullptr, nullptr};
  int side = 0;          ///< 0 or 1
  bool closed = false;
  ChannelEnd() : Object(runtime::ObjectKind::channel) {}
};

struct Channel {
  ChannelEnd ends[2];
  ChannelHalf halves[2];     ///< halves[i]: messages from end i to end 1-i
  bool user_memory = false;  ///< placed in chmake_mem() memory: not deleted
};

}  // namespace canopy::core
