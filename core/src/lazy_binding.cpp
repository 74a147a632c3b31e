#include "lazy_binding.hpp"

#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace canopy::core {

void resolve_lazy_bindings() {
  static std::once_flag once;
  std::call_once(once, [] {
    int saved = errno;
    timespec reading{};
    clock_gettime(CLOCK_MONOTONIC, &reading);
    timespec no_time{0, 0};
    nanosleep(&no_time, nullptr);
    // Invalid arguments: each call fails at once, having been resolved.
    epoll_create1(-1);
    epoll_ctl(-1, EPOLL_CTL_DEL, -1, nullptr);
    epoll_pwait2(-1, nullptr, 0, nullptr, nullptr);
    close(-1);
    madvise(nullptr, 0, MADV_NORMAL);
    mmap(nullptr, 0, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(nullptr, 0);
    mprotect(nullptr, 0, PROT_NONE);
    // Volatile pointers keep the compiler from eliding the calls.
    void* volatile p = std::malloc(16);
    char volatile bytes[16] = {};
    std::memcpy(p, const_cast<char*>(bytes), sizeof bytes);
    std::free(p);
    void* volatile q = ::operator new(16);
    ::operator delete(q);
    errno = saved;
  });
}

}  // namespace canopy::core
