#include "canopy/trace/recorder.hpp"

#include <cassert>
#include <cerrno>
#include <cstring>

#include "../common/line_format.hpp"

namespace canopy::trace {

Recorder::Recorder(std::FILE* file, const Header& header, bool owns_file, std::size_t buffer_bytes)
    : file_(file),
      owns_file_(owns_file),
      buffer_limit_bytes_(buffer_bytes),
      buffer_capacity_bytes_(buffer_bytes + line::max_event_line_bytes(256, 256)),
      buffer_(new char[buffer_capacity_bytes_]) {
  assert(file != nullptr && "a Recorder needs an open file to write to");
  const std::string first_line = format_header_line(header);
  const std::string field = "\"reproducible\":";
  if (std::size_t at = first_line.find(field); at != std::string::npos && header.reproducible) {
    reproducible_offset_ = at + field.size();
  }
  write_out(first_line.data(), first_line.size());
}

void Recorder::mark_not_reproducible() {
  if (marked_not_reproducible_ || reproducible_offset_ == 0) return;
  marked_not_reproducible_ = true;
  static constexpr char value[] = "false";  // as long as "true ", so nothing moves
  if (reproducible_offset_ >= bytes_written_) {
    std::memcpy(buffer_.get() + (reproducible_offset_ - bytes_written_), value, 5);
    return;
  }
  // Already in the file: a trace written to a pipe keeps "true", and the
  // outside event in the stream still says what happened.
  if (file_ == nullptr || std::fflush(file_) != 0) return;
  const long end = std::ftell(file_);
  if (end < 0 || std::fseek(file_, static_cast<long>(reproducible_offset_), SEEK_SET) != 0) return;
  if (std::fwrite(value, 1, 5, file_) != 5) failed_ = true;
  if (std::fseek(file_, end, SEEK_SET) != 0) failed_ = true;
}

std::unique_ptr<Recorder> Recorder::open(const std::string& path, const Header& header) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return nullptr;
  return std::make_unique<Recorder>(file, header, /*owns_file=*/true);
}

Recorder::~Recorder() { close(); }

void Recorder::write_out(const char* data, std::size_t size) {
  if (buffer_used_bytes_ + size > buffer_capacity_bytes_) flush();
  if (size > buffer_capacity_bytes_) {
    if (file_ != nullptr && std::fwrite(data, 1, size, file_) != size) failed_ = true;
    bytes_written_ += size;
    return;
  }
  std::memcpy(buffer_.get() + buffer_used_bytes_, data, size);
  buffer_used_bytes_ += size;
}

void Recorder::record(const runtime::Event& event) {
  if (closed_) return;
  if (event.kind == runtime::EventKind::outside) mark_not_reproducible();
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

bool Recorder::flush() {
  if (file_ == nullptr) return !failed_;
  if (buffer_used_bytes_ > 0) {
    if (std::fwrite(buffer_.get(), 1, buffer_used_bytes_, file_) != buffer_used_bytes_) failed_ = true;
    bytes_written_ += buffer_used_bytes_;
    buffer_used_bytes_ = 0;
  }
  if (std::fflush(file_) != 0) failed_ = true;
  return !failed_;
}

void Recorder::close() {
  if (closed_) return;
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
