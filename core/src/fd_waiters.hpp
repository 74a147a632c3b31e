// Who waits on each (descriptor, direction): looked up once per readiness
// report and set and cleared once per fdin/fdout, so on the path of every
// message a server echoes.
//
// Kernel descriptors are small and dense (below RLIMIT_NOFILE), so they
// index a vector: no hashing and no allocation per wait, where a hash map
// node cost a malloc and a free on every fdin. Larger numbers (the
// simulator numbers its descriptors from 1 << 30) go to a map, looked up and
// never iterated, so nothing depends on its order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "canopy/runtime/platform.hpp"

namespace canopy::core {

struct Coroutine;

class FdWaiters {
 public:
  /// Descriptors below this index the vector (Linux's largest
  /// RLIMIT_NOFILE by default, fs.nr_open, is 1 << 20).
  static constexpr int dense_fds = 1 << 20;

  void set(int fd, runtime::Direction d, Coroutine* waiter) {
    if (fd < dense_fds) {
      std::size_t i = index(fd, d);
      if (i >= dense_.size()) dense_.resize(i < 64 ? 128 : 2 * i + 2, nullptr);
      dense_[i] = waiter;
    } else {
      sparse_[key(fd, d)] = waiter;
    }
  }

  /// The waiter, or null.
  Coroutine* find(int fd, runtime::Direction d) const {
    if (fd < dense_fds) {
      std::size_t i = index(fd, d);
      return i < dense_.size() ? dense_[i] : nullptr;
    }
    auto it = sparse_.find(key(fd, d));
    return it == sparse_.end() ? nullptr : it->second;
  }

  void clear(int fd, runtime::Direction d) {
    if (fd < dense_fds) {
      std::size_t i = index(fd, d);
      if (i < dense_.size()) dense_[i] = nullptr;
    } else {
      sparse_.erase(key(fd, d));
    }
  }

 private:
  static std::size_t index(int fd, runtime::Direction d) {
    return (static_cast<std::size_t>(fd) << 1) | static_cast<std::size_t>(d);
  }
  static std::int64_t key(int fd, runtime::Direction d) {
    return (static_cast<std::int64_t>(fd) << 1) | static_cast<int>(d);
  }

  std::vector<Coroutine*> dense_;                        ///< by fd << 1 | direction
  std::unordered_map<std::int64_t, Coroutine*> sparse_;  ///< the rest, same key
};

}  // namespace canopy::core
