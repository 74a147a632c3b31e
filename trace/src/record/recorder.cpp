#include "canopy/trace/recorder.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>

#include "../common/line_format.hpp"

namespace canopy::trace {

namespace {

// Async-signal-safe: write(2) only.
void put_stderr(const char* text) {
  std::size_t size = std::strlen(text);
  while (size > 0) {
    const ssize_t written = ::write(STDERR_FILENO, text, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text += written;
    size -= static_cast<std::size_t>(written);
  }
}

}  // namespace

Recorder::Recorder(std::FILE* file, const Header& header, bool owns_file, std::size_t buffer_bytes,
                   const std::string& warning_label)
    : file_(file),
      owns_file_(owns_file),
      end_line_(new char[line::max_end_line_bytes]),
      buffer_limit_bytes_(buffer_bytes),
      buffer_capacity_bytes_(buffer_bytes + line::max_event_line_bytes(256, 256)),
      buffer_(new char[buffer_capacity_bytes_]) {
  assert(file != nullptr && "a Recorder needs an open file to write to");
  fd_ = ::fileno(file_);
  set_warning_label(warning_label);
  const std::string first_line = format_header_line(header);
  const std::string field = "\"reproducible\":";
  if (std::size_t at = first_line.find(field); at != std::string::npos && header.reproducible && fd_ >= 0) {
    std::fflush(file_);
    const off_t start = ::lseek(fd_, 0, SEEK_CUR);
    if (start >= 0) reproducible_offset_ = static_cast<long>(start + static_cast<off_t>(at + field.size()));
  }
  write_out(first_line.data(), first_line.size());
  // At once: a run that dies before its first flush still leaves a trace
  // that says what produced it.
  flush();
}

std::unique_ptr<Recorder> Recorder::open(const std::string& path, const Header& header,
                                         const std::string& warning_label) {
  // O_NOFOLLOW: a symbolic link planted where the trace goes must not make
  // the program overwrite what it points to.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return nullptr;
  std::FILE* file = ::fdopen(fd, "w");
  if (file == nullptr) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return nullptr;
  }
  return std::make_unique<Recorder>(file, header, /*owns_file=*/true, default_buffer_bytes,
                                    warning_label.empty() ? path : warning_label);
}

Recorder::~Recorder() { close(); }

void Recorder::mark_not_reproducible() {
  if (marked_not_reproducible_ || reproducible_offset_ < 0 || fd_ < 0 || failed_) return;
  marked_not_reproducible_ = true;
  // As long as "true ", so nothing moves. A trace written to a pipe cannot
  // be rewritten (ESPIPE): it keeps "true", and its outside event says it.
  static constexpr char value[] = "false";
  (void)!::pwrite(fd_, value, 5, static_cast<off_t>(reproducible_offset_));
}

void Recorder::set_warning_label(const std::string& label) {
  const std::size_t size = std::min(label.size(), sizeof warning_label_ - 1);
  std::memcpy(warning_label_, label.data(), size);
  warning_label_[size] = '\0';
}

void Recorder::warn_once(int err, bool in_signal_handler) {
  if (warned_ || warning_label_[0] == '\0') return;
  warned_ = true;
  // Built piece by piece with write(2): this may run in a signal handler.
  put_stderr("canopy: writing the trace to ");
  put_stderr(warning_label_);
  put_stderr(" failed (");
  if (!in_signal_handler) {
    put_stderr(std::strerror(err));
  } else {
    char digits[16];
    char* p = digits + sizeof digits;
    *--p = '\0';
    unsigned value = static_cast<unsigned>(err);
    do {
      *--p = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    put_stderr("errno ");
    put_stderr(p);
  }
  put_stderr("); the trace is incomplete, and the program goes on without it\n");
}

bool Recorder::write_bytes(const char* data, std::size_t size, bool in_signal_handler) {
  if (failed_) return false;
  if (fd_ < 0) {
    if (std::fwrite(data, 1, size, file_) != size || std::fflush(file_) != 0) {
      failed_ = true;
      warn_once(errno, in_signal_handler);
    }
    return !failed_;
  }
  // A file-size limit raises SIGXFSZ, which kills by default: held back
  // here, so that the write fails with EFBIG instead and the program lives.
  sigset_t xfsz, previous;
  sigemptyset(&xfsz);
  sigaddset(&xfsz, SIGXFSZ);
  sigset_t pending_before;
  sigemptyset(&pending_before);
  sigpending(&pending_before);
  const bool was_pending = sigismember(&pending_before, SIGXFSZ) == 1;
  pthread_sigmask(SIG_BLOCK, &xfsz, &previous);
  int err = 0;
  while (size > 0) {
    const ssize_t written = ::write(fd_, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      err = written < 0 ? errno : EIO;
      break;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  if (err == EFBIG && !was_pending) {
    // Take back the SIGXFSZ this write raised, and only that one.
    const timespec no_wait{0, 0};
    sigtimedwait(&xfsz, nullptr, &no_wait);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (err != 0) {
    failed_ = true;
    warn_once(err, in_signal_handler);
  }
  return err == 0;
}

void Recorder::write_out(const char* data, std::size_t size) {
  if (buffer_used_bytes_ + size > buffer_capacity_bytes_) flush();
  if (size > buffer_capacity_bytes_) {
    if (file_ != nullptr) write_bytes(data, size, false);
    return;
  }
  std::memcpy(buffer_.get() + buffer_used_bytes_, data, size);
  buffer_used_bytes_ += size;
}

void Recorder::record(const runtime::Event& event) {
  if (closed_) return;
  if (event.kind == runtime::EventKind::outside) mark_not_reproducible();
  last_time_ns_ = event.time_ns;
  const char* file = event.site.file != nullptr ? event.site.file : "";
  const char* function = event.site.function != nullptr ? event.site.function : "";
  const std::uint64_t seq = next_seq_++;
  // Only spawn lines carry the site; other kinds have a small fixed bound.
  const bool has_site = event.kind == runtime::EventKind::spawn;
  const std::size_t bound = has_site ? line::max_event_line_bytes(std::strlen(file), std::strlen(function))
                                     : line::max_event_line_bytes(0, 0);
  if (buffer_used_bytes_ + bound > buffer_capacity_bytes_) flush();
  if (bound > buffer_capacity_bytes_) {
    std::string text;
    line::append_event(text, seq, event, file, event.site.line, function);
    write_out(text.data(), text.size());
    if (write_through_) flush();
    return;
  }
  line::RawOut out{buffer_.get() + buffer_used_bytes_};
  line::append_event(out, seq, event, file, event.site.line, function);
  buffer_used_bytes_ = static_cast<std::size_t>(out.cursor - buffer_.get());
  if (write_through_ || buffer_used_bytes_ >= buffer_limit_bytes_) flush();
}

bool Recorder::flush_buffer(bool in_signal_handler) {
  if (file_ == nullptr) return !failed_;
  if (buffer_used_bytes_ > 0) {
    // Emptied first: a failed write is not retried at every later flush.
    const std::size_t size = buffer_used_bytes_;
    buffer_used_bytes_ = 0;
    write_bytes(buffer_.get(), size, in_signal_handler);
  }
  return !failed_;
}

bool Recorder::flush() { return flush_buffer(false); }

void Recorder::end(const RunEnd& how) {
  if (closed_ || ended_) return;
  ended_ = true;
  // A signal handler may interrupt record() halfway through a line; the
  // buffer holds complete lines up to buffer_used_bytes_ only.
  flush_buffer(true);
  line::RawOut out{end_line_.get()};
  const char* report = how.report != nullptr ? how.report : "";
  line::append_end(out, next_seq_, last_time_ns_, how.how != nullptr ? how.how : "exit", how.status, how.signal,
                   std::string_view(report, ::strnlen(report, RunEnd::report_bytes + 8)), how.report != nullptr);
  write_bytes(end_line_.get(), static_cast<std::size_t>(out.cursor - end_line_.get()), true);
  // Nothing may follow the end line; the file stays open (this may be a
  // signal handler, where fclose is not allowed) and the OS closes it.
  closed_ = true;
}

void Recorder::abandon() {
  if (closed_) return;
  closed_ = true;
  buffer_used_bytes_ = 0;
  if (owns_file_ && file_ != nullptr) {
    // Close the descriptor without letting stdio write anything buffered.
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  file_ = nullptr;
}

void Recorder::close() {
  if (closed_) {
    if (ended_ && owns_file_ && file_ != nullptr) {
      std::fclose(file_);
      file_ = nullptr;
    }
    return;
  }
  flush();
  closed_ = true;
  if (owns_file_ && std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
}

std::string format_event_line(std::uint64_t seq, const runtime::Event& event) {
  std::string out;
  line::append_event(out, seq, event, event.site.file ? event.site.file : "", event.site.line,
                     event.site.function ? event.site.function : "");
  return out;
}

std::string format_header_line(const Header& header) {
  std::string out;
  line::append_header(out, header);
  return out;
}

}  // namespace canopy::trace
