// Cancellation coverage tables: adding runs, JSON both ways, the text table,
// and accumulating into a file shared by processes.
#include "canopy/sim/coverage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "symbolize.hpp"

namespace canopy::sim {

namespace {

/// A coverage file larger than this is refused rather than read.
constexpr std::size_t max_file_bytes = std::size_t{64} << 20;
/// Site names are cut to this length when read back.
constexpr std::size_t max_site_chars = 1024;

std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      q += hex;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

// A reader for exactly what json() writes (and whitespace around it).
class Reader {
 public:
  explicit Reader(std::string_view text) : t_(text) {}
  void space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    space();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool string(std::string& out) {
    out.clear();
    if (!eat('"')) return false;
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_++];
      if (c == '\\') {
        if (i_ >= t_.size()) return false;
        char e = t_[i_++];
        if (e == 'u') {
          if (i_ + 4 > t_.size()) return false;
          unsigned v = 0;
          for (int k = 0; k < 4; ++k) {
            char h = t_[i_++];
            v = v * 16 + static_cast<unsigned>(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
          }
          c = static_cast<char>(v & 0x7F);
        } else {
          c = e;
        }
      }
      if (out.size() < max_site_chars) out += c;
    }
    return eat('"');
  }
  bool number(std::uint64_t& out) {
    space();
    std::size_t start = i_;
    out = 0;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9' && i_ - start < 19) out = out * 10 + static_cast<std::uint64_t>(t_[i_++] - '0');
    return i_ > start;
  }
  bool key(const char* name) {
    std::string k;
    return string(k) && k == name && eat(':');
  }
  bool at_end() {
    space();
    return i_ == t_.size();
  }

 private:
  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

void cancellation_coverage::add(const outcome& run) {
  ++runs_;
  for (const call_site_coverage& c : run.coverage) {
    site_tally& t = sites_[c.site];
    t.runs_reached += 1;
    t.runs_closed += c.closes != 0;
    t.calls += c.calls;
    t.closes += c.closes;
    t.refused_after_close += c.refused_after_close;
    t.whatif += c.whatif;
  }
}

std::map<std::string, std::string> cancellation_coverage::sources() const {
  std::vector<std::string> names;
  for (const auto& [site, t] : sites_)
    if (read_sources_.count(site) == 0) names.push_back(site);
  std::map<std::string, std::string> all = detail::source_lines(names);
  for (const auto& [site, source] : read_sources_) all[site] = source;
  return all;
}

void cancellation_coverage::merge(const cancellation_coverage& other) {
  runs_ += other.runs_;
  for (const auto& [site, source] : other.read_sources_) read_sources_[site] = source;
  for (const auto& [site, o] : other.sites_) {
    site_tally& t = sites_[site];
    t.runs_reached += o.runs_reached;
    t.runs_closed += o.runs_closed;
    t.calls += o.calls;
    t.closes += o.closes;
    t.refused_after_close += o.refused_after_close;
    t.whatif += o.whatif;
  }
}

std::size_t cancellation_coverage::unreached() const {
  std::size_t n = 0;
  for (const auto& [site, t] : sites_) n += t.runs_closed == 0;
  return n;
}

std::string cancellation_coverage::json() const {
  std::string s = "{\"format\":\"canopy-cancellation-coverage\",\"version\":1,\"runs\":" + std::to_string(runs_) +
                  ",\"sites\":[";
  bool first = true;
  const std::map<std::string, std::string> names = sources();
  for (const auto& [site, t] : sites_) {
    auto source = names.find(site);
    s += first ? "\n" : ",\n";
    first = false;
    s += "{\"site\":" + quoted(site) + ",\"runs_reached\":" + std::to_string(t.runs_reached) +
         ",\"runs_closed\":" + std::to_string(t.runs_closed) + ",\"calls\":" + std::to_string(t.calls) +
         ",\"closes\":" + std::to_string(t.closes) + ",\"refused_after_close\":" +
         std::to_string(t.refused_after_close) + ",\"whatif\":" + std::to_string(t.whatif) +
         (source != names.end() ? ",\"source\":" + quoted(source->second) : "") + "}";
  }
  return s + "\n]}\n";
}

std::string cancellation_coverage::text() const {
  std::string s = "cancellation coverage: " + std::to_string(runs_) + " runs, " + std::to_string(sites_.size()) +
                  " blocking call sites, " + std::to_string(sites_.size() - unreached()) + " reached by a close, " +
                  std::to_string(unreached()) + " by none\n";
  const std::map<std::string, std::string> names = sources();
  char line[96];
  std::snprintf(line, sizeof line, "%12s %12s %10s  %s\n", "runs closed", "runs reached", "closes", "site");
  s += line;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [site, t] : sites_) {
      if ((t.runs_closed != 0) != (pass == 0)) continue;
      std::snprintf(line, sizeof line, "%12llu %12llu %10llu  ", static_cast<unsigned long long>(t.runs_closed),
                    static_cast<unsigned long long>(t.runs_reached), static_cast<unsigned long long>(t.closes));
      auto source = names.find(site);
      s += line + site + (source != names.end() ? " " + source->second : "") +
           (pass == 1 ? "   <- no close reached this call" : "") + "\n";
    }
  }
  return s;
}

std::optional<cancellation_coverage> cancellation_coverage::from_json(std::string_view text, std::string& error) {
  Reader r(text);
  cancellation_coverage c;
  std::string format;
  std::uint64_t version = 0;
  if (!(r.eat('{') && r.key("format") && r.string(format) && format == "canopy-cancellation-coverage" && r.eat(',') &&
        r.key("version") && r.number(version) && version == 1 && r.eat(',') && r.key("runs") && r.number(c.runs_) &&
        r.eat(',') && r.key("sites") && r.eat('['))) {
    error = "not a canopy-cancellation-coverage file of version 1";
    return std::nullopt;
  }
  if (!r.eat(']')) {
    do {
      std::string site;
      site_tally t;
      if (!(r.eat('{') && r.key("site") && r.string(site) && r.eat(',') && r.key("runs_reached") &&
            r.number(t.runs_reached) && r.eat(',') && r.key("runs_closed") && r.number(t.runs_closed) && r.eat(',') &&
            r.key("calls") && r.number(t.calls) && r.eat(',') && r.key("closes") && r.number(t.closes) && r.eat(',') &&
            r.key("refused_after_close") && r.number(t.refused_after_close) && r.eat(',') && r.key("whatif") &&
            r.number(t.whatif))) {
        error = "a site entry is malformed";
        return std::nullopt;
      }
      std::string source;
      if (r.eat(',') && !(r.key("source") && r.string(source))) {
        error = "a site entry has something other than its source after its counts";
        return std::nullopt;
      }
      if (!r.eat('}')) {
        error = "a site entry does not end with }";
        return std::nullopt;
      }
      if (!source.empty()) c.read_sources_[site] = source;
      c.sites_[site] = t;
    } while (r.eat(','));
    if (!r.eat(']')) {
      error = "the site list does not end with ]";
      return std::nullopt;
    }
  }
  if (!r.eat('}') || !r.at_end()) {
    error = "the file does not end after the site list";
    return std::nullopt;
  }
  return c;
}

bool cancellation_coverage::accumulate_into(const std::string& path, std::string& error) const {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const std::string& what) {
    error = what;
    ::close(fd);  // also drops the lock
    return false;
  };
  if (::flock(fd, LOCK_EX) != 0) return fail("cannot lock " + path + ": " + std::strerror(errno));
  std::string old;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    old.append(buf, static_cast<std::size_t>(n));
    if (old.size() > max_file_bytes) return fail(path + " is larger than a coverage file can be");
  }
  cancellation_coverage total = *this;
  if (!old.empty()) {
    std::string why;
    auto previous = from_json(old, why);
    if (!previous) return fail(path + " holds something else (" + why + "); not overwritten");
    total.merge(*previous);
  }
  const std::string out = total.json();
  if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0)
    return fail("cannot rewrite " + path + ": " + std::strerror(errno));
  for (std::size_t off = 0; off < out.size();) {
    ssize_t w = ::write(fd, out.data() + off, out.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return fail("cannot write " + path + ": " + std::strerror(errno));
    off += static_cast<std::size_t>(w);
  }
  ::close(fd);
  return true;
}

}  // namespace canopy::sim
