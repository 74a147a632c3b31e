// canopy export / render / diff / lint: thin shells over canopy_trace_tools
// and canopy_viewer that turn arguments into calls and errors into messages.
#include "commands_trace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/trace/chrome.hpp"
#include "canopy/trace/lint.hpp"
#include "canopy/trace/model.hpp"
#include "canopy/trace/read.hpp"
#include "canopy/viewer/diff.hpp"
#include "canopy/viewer/render.hpp"

namespace {

constexpr int exit_found = 1;
constexpr int exit_usage = 2;

constexpr const char* export_usage = "usage: canopy export --format chrome TRACE -o OUT.json\n";
constexpr const char* render_usage =
    "usage: canopy render TRACE -o OUT.svg|OUT.html [--format svg|html] [--lanes N] [--width PX] "
    "[--axis time|seq]\n";
constexpr const char* diff_usage =
    "usage: canopy diff A B [-o OUT.html]   (exit 0 identical, 1 different, 2 error)\n";
constexpr const char* lint_usage =
    "usage: canopy lint TRACE [--max-blocks-after-ecanceled N] [--max-events-without-block N] "
    "[--max-run-ms N]   (exit 1 when lints fire)\n";

int usage_error(const std::string& what, const char* usage) {
  std::fprintf(stderr, "canopy: %s\n%s", what.c_str(), usage);
  return exit_usage;
}

// Options parsed the same way for every subcommand: "--name value" pairs
// (from `valued`) and positional arguments, in order.
struct Arguments {
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> positional;
  std::string error;

  std::optional<std::string> get(std::string_view name) const {
    std::optional<std::string> value;
    for (const auto& [key, text] : options) {
      if (key == name) value = text;
    }
    return value;
  }
};

Arguments parse_arguments(int argc, char** argv, const std::vector<std::string_view>& valued) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.size() > 1 && arg[0] == '-') {
      std::string name(arg);
      std::string value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      bool known = false;
      for (std::string_view option : valued) known = known || option == name;
      if (!known) {
        arguments.error = "unknown option " + std::string(arg);
        return arguments;
      }
      if (!has_value) {
        if (i + 1 >= argc) {
          arguments.error = "option " + name + " needs a value";
          return arguments;
        }
        value = argv[++i];
      }
      arguments.options.emplace_back(name, value);
    } else {
      arguments.positional.emplace_back(arg);
    }
  }
  return arguments;
}

std::optional<long long> parse_count(const std::string& text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// "canopy: PATH:LINE: what".
void report_error(const std::string& path, const canopy::trace::ParseError& error) {
  using canopy::trace::printable;
  if (error.line == 0) {
    std::fprintf(stderr, "canopy: %s\n", printable(error.message).c_str());
  } else {
    std::fprintf(stderr, "canopy: %s:%zu: %s\n", printable(path).c_str(), error.line, printable(error.message).c_str());
  }
}

void report_cut(const std::string& path, const canopy::trace::Trace& trace) {
  if (trace.cut_at_line == 0) return;
  std::fprintf(stderr, "canopy: %s: cut at line %zu (its writer stopped mid-line); reading the %zu events before it\n",
               canopy::trace::printable(path).c_str(), trace.cut_at_line, trace.event_count);
}

// Reads and validates a trace, or prints why not and returns nullopt. A
// trace cut off mid-line (its writer was killed) is read up to the cut,
// with one line saying so.
std::optional<canopy::trace::Trace> load(const std::string& path) {
  canopy::trace::ParseResult result = canopy::trace::read_trace_file(path);
  if (!result.ok) {
    report_error(path, result.error);
    return std::nullopt;
  }
  report_cut(path, result.trace);
  return std::move(result.trace);
}

// The same, streamed into a model bounded for drawing.
std::optional<canopy::trace::Model> load_model(const std::string& path) {
  canopy::trace::ModelResult result = canopy::trace::read_model_file(path);
  if (!result.ok) {
    report_error(path, result.error);
    return std::nullopt;
  }
  report_cut(path, result.model.trace);
  return std::move(result.model);
}

// Writes `contents` to `path` through a temporary file in the same folder,
// renamed over `path` once complete: a failure leaves no partial file, and
// a symbolic link at `path` is replaced, not followed. Refuses to replace
// the trace being read (`input`), whatever name reaches it.
bool write_file(const std::string& path, const std::string& contents, const std::string& input) {
  using canopy::trace::printable;
  struct stat input_stat{}, output_stat{};
  if (::stat(input.c_str(), &input_stat) == 0 && ::stat(path.c_str(), &output_stat) == 0 &&
      input_stat.st_dev == output_stat.st_dev && input_stat.st_ino == output_stat.st_ino) {
    std::fprintf(stderr, "canopy: refusing to write %s: it is the trace being read\n", printable(path).c_str());
    return false;
  }
  const std::size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temporary = folder + "/." + name + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    const int err = errno;
    std::fprintf(stderr, "canopy: cannot write %s: %s\n", printable(path).c_str(), std::strerror(err));
    return false;
  }
  // mkstemp makes the file private; the result gets the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  int err = 0;
  for (std::size_t done = 0; done < contents.size() && err == 0;) {
    const ssize_t written = ::write(fd, contents.data() + done, contents.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      err = written < 0 ? errno : EIO;
    } else {
      done += static_cast<std::size_t>(written);
    }
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temporary.c_str());
    std::fprintf(stderr, "canopy: writing %s failed: %s\n", printable(path).c_str(), std::strerror(err));
    return false;
  }
  return true;
}

// Runs one subcommand; running out of memory (a trace too big for this
// machine) ends it with one line and exit status 2, never an abort.
template <typename Body>
int guarded(Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "canopy: out of memory (the trace is too large to hold here)\n");
    return exit_usage;
  }
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int export_command(int argc, char** argv) {
  Arguments arguments = parse_arguments(argc, argv, {"--format", "-o", "--output", "--axis"});
  if (!arguments.error.empty()) return usage_error(arguments.error, export_usage);
  const std::string format = arguments.get("--format").value_or("chrome");
  if (format != "chrome") return usage_error("unknown export format \"" + format + "\" (only \"chrome\")", export_usage);
  if (arguments.positional.size() != 1) {
    return usage_error(arguments.positional.empty() ? "no TRACE given" : "more than one TRACE given", export_usage);
  }
  std::optional<std::string> output = arguments.get("-o");
  if (!output) output = arguments.get("--output");
  if (!output) return usage_error("no output file given (-o OUT.json)", export_usage);
  canopy::trace::ChromeOptions options;
  const std::string axis = arguments.get("--axis").value_or("time");
  if (axis != "time" && axis != "seq") return usage_error("--axis must be time or seq, not " + axis, export_usage);
  options.event_order_axis = axis == "seq";
  auto trace = load(arguments.positional[0]);
  if (!trace) return exit_usage;
  const canopy::trace::Model model = canopy::trace::build_model(std::move(*trace));
  return write_file(*output, canopy::trace::export_chrome(model, options), arguments.positional[0]) ? 0 : exit_usage;
}

int render_command(int argc, char** argv) {
  Arguments arguments =
      parse_arguments(argc, argv, {"--format", "-o", "--output", "--lanes", "--width", "--axis", "--title"});
  if (!arguments.error.empty()) return usage_error(arguments.error, render_usage);
  if (arguments.positional.size() != 1) {
    return usage_error(arguments.positional.empty() ? "no TRACE given" : "more than one TRACE given", render_usage);
  }
  std::optional<std::string> output = arguments.get("-o");
  if (!output) output = arguments.get("--output");
  if (!output) return usage_error("no output file given (-o OUT.svg or -o OUT.html)", render_usage);
  std::string format;
  if (auto given = arguments.get("--format")) {
    format = *given;
  } else if (ends_with(*output, ".svg")) {
    format = "svg";
  } else if (ends_with(*output, ".html") || ends_with(*output, ".htm")) {
    format = "html";
  } else {
    return usage_error("cannot tell the format from \"" + *output + "\": name it .svg or .html, or pass --format",
                       render_usage);
  }
  if (format != "svg" && format != "html") return usage_error("unknown format \"" + format + "\" (svg or html)", render_usage);
  canopy::viewer::RenderOptions options;
  if (auto lanes = arguments.get("--lanes")) {
    auto count = parse_count(*lanes);
    if (!count || *count < 2) return usage_error("--lanes must be a whole number >= 2, not " + *lanes, render_usage);
    options.lane_budget = static_cast<std::size_t>(*count);
  }
  if (auto width = arguments.get("--width")) {
    auto pixels = parse_count(*width);
    if (!pixels || *pixels < 200 || *pixels > 100000)
      return usage_error("--width must be between 200 and 100000 pixels, not " + *width, render_usage);
    options.chart_width_px = static_cast<int>(*pixels);
  }
  const std::string axis = arguments.get("--axis").value_or("time");
  if (axis != "time" && axis != "seq") return usage_error("--axis must be time or seq, not " + axis, render_usage);
  options.event_order_axis = axis == "seq";
  options.title = arguments.get("--title").value_or("");
  // Streamed: the model keeps what a diagram can show, not the events.
  auto model = load_model(arguments.positional[0]);
  if (!model) return exit_usage;
  const std::string picture =
      format == "svg" ? canopy::viewer::render_svg(*model, options) : canopy::viewer::render_html(*model, options);
  return write_file(*output, picture, arguments.positional[0]) ? 0 : exit_usage;
}

int diff_command(int argc, char** argv) {
  Arguments arguments = parse_arguments(argc, argv, {"-o", "--output"});
  if (!arguments.error.empty()) return usage_error(arguments.error, diff_usage);
  std::optional<std::string> output = arguments.get("-o");
  if (!output) output = arguments.get("--output");
  if (output && !ends_with(*output, ".html") && !ends_with(*output, ".htm")) {
    return usage_error("the diff page is HTML: name it .html, not \"" + *output + "\"", diff_usage);
  }
  if (arguments.positional.size() != 2) {
    return usage_error("diff takes exactly two traces, not " + std::to_string(arguments.positional.size()), diff_usage);
  }
  auto a = load(arguments.positional[0]);
  if (!a) return exit_usage;
  auto b = load(arguments.positional[1]);
  if (!b) return exit_usage;
  const canopy::viewer::DiffResult result = canopy::viewer::diff(*a, *b);
  std::fputs(result.report.c_str(), stdout);
  if (output) {
    const canopy::trace::Model model_a = canopy::trace::build_model(std::move(*a));
    const canopy::trace::Model model_b = canopy::trace::build_model(std::move(*b));
    const std::string page = canopy::viewer::render_diff_html(model_a, model_b, result);
    if (!write_file(*output, page, arguments.positional[0])) return exit_usage;
  }
  return result.identical ? 0 : exit_found;
}

int lint_command(int argc, char** argv) {
  Arguments arguments = parse_arguments(
      argc, argv, {"--max-blocks-after-ecanceled", "--max-events-without-block", "--max-run-ms"});
  if (!arguments.error.empty()) return usage_error(arguments.error, lint_usage);
  if (arguments.positional.size() != 1) {
    return usage_error(arguments.positional.empty() ? "no TRACE given" : "more than one TRACE given", lint_usage);
  }
  canopy::trace::LintOptions options;
  struct Threshold {
    const char* name;
    long long scale;
  };
  for (const Threshold& threshold : {Threshold{"--max-blocks-after-ecanceled", 1},
                                     Threshold{"--max-events-without-block", 1}, Threshold{"--max-run-ms", 1000000}}) {
    auto text = arguments.get(threshold.name);
    if (!text) continue;
    auto value = parse_count(*text);
    if (!value || *value > (1LL << 40)) {
      return usage_error(std::string(threshold.name) + " must be a whole number >= 0, not " + *text, lint_usage);
    }
    if (std::strcmp(threshold.name, "--max-blocks-after-ecanceled") == 0) {
      options.max_blocks_after_ecanceled = static_cast<std::size_t>(*value);
    } else if (std::strcmp(threshold.name, "--max-events-without-block") == 0) {
      options.max_events_without_block = static_cast<std::uint64_t>(*value);
    } else {
      options.max_run_ns = *value * threshold.scale;
    }
  }
  auto trace = load(arguments.positional[0]);
  if (!trace) return exit_usage;
  const canopy::trace::Model model = canopy::trace::build_model(std::move(*trace));
  const std::vector<canopy::trace::Lint> findings = canopy::trace::lint(model, options);
  for (const canopy::trace::Lint& finding : findings) std::printf("%s\n", canopy::trace::format_lint(finding).c_str());
  if (model.trace.end) {
    std::printf("the run ended: %s\n", canopy::trace::printable(canopy::trace::describe_end(*model.trace.end)).c_str());
  }
  if (findings.empty()) std::printf("no lints: %zu coroutines, %zu events\n", model.coroutines.size(),
                                    model.trace.event_count);
  return findings.empty() ? 0 : exit_found;
}

}  // namespace

int canopy_cli_export(int argc, char** argv) { return guarded([&] { return export_command(argc, argv); }); }
int canopy_cli_render(int argc, char** argv) { return guarded([&] { return render_command(argc, argv); }); }
int canopy_cli_diff(int argc, char** argv) { return guarded([&] { return diff_command(argc, argv); }); }
int canopy_cli_lint(int argc, char** argv) { return guarded([&] { return lint_command(argc, argv); }); }
