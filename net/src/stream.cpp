// Sending and receiving on a stream socket: non-blocking calls through the
// seam, waiting with fdin/fdout between them. A direction that fails part
// way has lost its place in the byte stream, so it is marked broken and
// every later call on it fails with ECONNRESET, as libdill does.
//
// A receive with no deadline on a socket that the last recv(2) emptied
// waits first and reads after: in request/response traffic the next bytes
// are not there yet, and the recv that would say so (EAGAIN) was a third of
// the system calls of every echoed message. The epoll registration is kept
// between waits, so waiting first costs no system call, and bytes that did
// arrive meanwhile are reported by the next poll. With a deadline the read
// is tried first as before, so that bytes already there are never late. On
// the simulator's sockets every receive reads first, as it always did.
#include "stream.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "iolist.hpp"
#include "system.hpp"

namespace canopy::net {

namespace {

/// iovecs one sendmsg/recvmsg is given at most.
constexpr int max_iovecs = 64;
/// Where skipped bytes (a receive piece without a base) go.
constexpr std::size_t discard_bytes = 4096;
thread_local unsigned char discard[discard_bytes];
/// Room for the descriptors that may come with one receive.
constexpr std::size_t control_bytes = CMSG_SPACE(sizeof(int) * 8);

/// Closes every descriptor that arrived in `message` and was not asked for.
void close_passed(msghdr& message) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i != count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      ::close(fd);
    }
  }
}

/// A flag that is set while a call is under way, and cleared however the
/// call leaves.
struct Busy {
  bool& flag;
  explicit Busy(bool& f) : flag(f) { flag = true; }
  ~Busy() { flag = false; }
};

}  // namespace

bool Stream::may_send_again(std::int64_t deadline) {
  if (errno == EINTR) return true;
  if ((errno == EAGAIN || errno == EWOULDBLOCK) && fdout(fd, deadline) == 0) return true;
  // The peer is gone; EPIPE is kept for "this side is done".
  if (errno == EPIPE) errno = ECONNRESET;
  out_broken = true;
  return false;
}

bool Stream::may_receive_again(ssize_t got, std::int64_t deadline) {
  if (got == 0) {
    in_done = true;
    errno = EPIPE;
    return false;
  }
  if (errno == EINTR) return true;
  if ((errno == EAGAIN || errno == EWOULDBLOCK) && fdin(fd, deadline) == 0) return true;
  in_broken = true;
  return false;
}

int Stream::send(dill_iolist* first, dill_iolist* last, std::int64_t deadline) {
  std::size_t bytes;
  if (!check_iolist(first, last, true, bytes)) return -1;
  if (sending) return errno = EBUSY, -1;
  if (out_done) return errno = EPIPE, -1;
  if (out_broken) return errno = ECONNRESET, -1;
  Busy busy(sending);
  if (first == last) return send_buffer(static_cast<const std::uint8_t*>(first->iol_base), bytes, deadline);
  IolistCursor cursor(first);
  while (!cursor.done()) {
    iovec pieces[max_iovecs];
    msghdr message{};
    message.msg_iov = pieces;
    message.msg_iovlen = cursor.iovecs(pieces, max_iovecs, nullptr, 0);
    ssize_t sent = sys::sendmsg(fd, &message, 0);
    if (sent >= 0) {
      cursor.advance(static_cast<std::size_t>(sent));
      continue;
    }
    if (!may_send_again(deadline)) return -1;
  }
  return 0;
}

int Stream::recv(dill_iolist* first, dill_iolist* last, std::int64_t deadline) {
  std::size_t bytes;
  if (!check_iolist(first, last, false, bytes)) return -1;
  if (receiving) return errno = EBUSY, -1;
  if (in_done) return errno = EPIPE, -1;
  if (in_broken) return errno = ECONNRESET, -1;
  Busy busy(receiving);
  if (first != nullptr && first == last && first->iol_base != nullptr && !carries_fds)
    return recv_buffer(static_cast<std::uint8_t*>(first->iol_base), bytes, deadline);
  IolistCursor cursor(first);
  std::size_t left = bytes;
  while (left) {
    if (ahead_begin != ahead_end) {
      std::size_t step = cursor.left_here();
      if (step > buffered()) step = buffered();
      if (void* to = cursor.here()) std::memcpy(to, ahead + ahead_begin, step);
      ahead_begin += static_cast<std::uint16_t>(step);
      cursor.advance(step);
      left -= step;
      continue;
    }
    iovec pieces[max_iovecs];
    msghdr message{};
    message.msg_iov = pieces;
    alignas(cmsghdr) unsigned char control[control_bytes];
    if (carries_fds) {
      message.msg_control = control;
      message.msg_controllen = sizeof control;
    }
    bool into_ahead = reads_ahead && left < read_ahead_bytes;
    if (into_ahead && !ahead) {
      ahead = static_cast<std::uint8_t*>(std::malloc(read_ahead_bytes));
      if (!ahead) into_ahead = false;  // read straight into the caller's buffer
    }
    if (into_ahead) {
      pieces[0] = {ahead, read_ahead_bytes};
      message.msg_iovlen = 1;
    } else {
      message.msg_iovlen = cursor.iovecs(pieces, max_iovecs, discard, discard_bytes);
    }
    ssize_t got = sys::recvmsg(fd, &message, carries_fds ? MSG_CMSG_CLOEXEC : 0);
    if (got > 0) {
      if (carries_fds) close_passed(message);
      if (into_ahead) {
        ahead_begin = 0;
        ahead_end = static_cast<std::uint16_t>(got);
      } else {
        cursor.advance(static_cast<std::size_t>(got));
        left -= static_cast<std::size_t>(got);
      }
      continue;
    }
    if (!may_receive_again(got, deadline)) return -1;
  }
  return 0;
}

// send() and recv() of one buffer: what every bsend and brecv of a plain
// buffer comes to, without the gather lists and the message header.
int Stream::send_buffer(const std::uint8_t* from, std::size_t left, std::int64_t deadline) {
  while (left) {
    ssize_t sent = sys::send(fd, from, left);
    if (sent >= 0) {
      from += sent;
      left -= static_cast<std::size_t>(sent);
      continue;
    }
    if (!may_send_again(deadline)) return -1;
  }
  return 0;
}

int Stream::recv_buffer(std::uint8_t* to, std::size_t left, std::int64_t deadline) {
  while (left) {
    if (ahead_begin != ahead_end) {
      std::size_t step = left < buffered() ? left : buffered();
      std::memcpy(to, ahead + ahead_begin, step);
      ahead_begin += static_cast<std::uint16_t>(step);
      to += step;
      left -= step;
      continue;
    }
    bool into_ahead = reads_ahead && left < read_ahead_bytes;
    if (into_ahead && !ahead) {
      ahead = static_cast<std::uint8_t*>(std::malloc(read_ahead_bytes));
      if (!ahead) into_ahead = false;  // read straight into the caller's buffer
    }
    std::size_t asked = into_ahead ? read_ahead_bytes : left;
    ssize_t got;
    if (emptied && deadline < 0 && sys::on_kernel()) {
      emptied = false;
      got = -1;
      errno = EAGAIN;  // what the recv would have said
    } else {
      got = sys::recv(fd, into_ahead ? ahead : to, asked);
      emptied = got >= 0 && static_cast<std::size_t>(got) < asked;
    }
    if (got > 0) {
      if (into_ahead) {
        ahead_begin = 0;
        ahead_end = static_cast<std::uint16_t>(got);
      } else {
        to += got;
        left -= static_cast<std::size_t>(got);
      }
      continue;
    }
    if (!may_receive_again(got, deadline)) return -1;
  }
  return 0;
}

int Stream::done() {
  if (out_done) return errno = EPIPE, -1;
  if (out_broken) return errno = ECONNRESET, -1;
  if (sys::shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN) {
    out_broken = true;
    return -1;
  }
  out_done = true;
  return 0;
}

int Stream::finish(std::int64_t deadline) {
  if (in_broken || out_broken) return errno = ECONNRESET, -1;
  if (!out_done && done() != 0) return -1;
  while (!in_done) {
    dill_iolist rest{nullptr, read_ahead_bytes, nullptr, 0};
    ahead_begin = ahead_end;  // what was read ahead is dropped too
    if (recv(&rest, &rest, deadline) == 0) continue;
    if (errno == EPIPE) return 0;
    return -1;
  }
  return 0;
}

int Stream::send_fd(int passed, std::int64_t deadline) {
  if (passed < 0) return errno = EINVAL, -1;
  if (sending) return errno = EBUSY, -1;
  if (out_done) return errno = EPIPE, -1;
  if (out_broken) return errno = ECONNRESET, -1;
  Busy busy(sending);
  unsigned char byte = 0;
  iovec piece{&byte, 1};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &piece;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&message);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &passed, sizeof passed);
  for (;;) {
    ssize_t sent = sys::sendmsg(fd, &message, 0);
    if (sent == 1) return 0;
    // `passed` is not a descriptor: nothing was sent, the stream is intact.
    if (sent < 0 && errno == EBADF) return -1;
    if (!may_send_again(deadline)) return -1;
  }
}

int Stream::recv_fd(std::int64_t deadline) {
  if (receiving) return errno = EBUSY, -1;
  if (in_done) return errno = EPIPE, -1;
  if (in_broken) return errno = ECONNRESET, -1;
  Busy busy(receiving);
  for (;;) {
    unsigned char byte;
    iovec piece{&byte, 1};
    alignas(cmsghdr) unsigned char control[control_bytes];
    msghdr message{};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t got = sys::recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
    if (got == 1) {
      int passed = -1;
      for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i != count; ++i) {
          int fd_in;
          std::memcpy(&fd_in, CMSG_DATA(c) + i * sizeof(int), sizeof fd_in);
          if (passed < 0) passed = fd_in;
          else ::close(fd_in);  // one descriptor per byte: the rest are stray
        }
      }
      if (passed >= 0) return passed;
      in_broken = true;  // a byte of data was taken in the descriptor's place
      errno = EPROTO;
      return -1;
    }
    if (!may_receive_again(got, deadline)) return -1;
  }
}

void Stream::close_now() {
  if (fd >= 0) sys::close(fd);
  fd = -1;
  std::free(ahead);
  ahead = nullptr;
}

}  // namespace canopy::net
