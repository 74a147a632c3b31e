#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "commands_trace.hpp"
#include "canopy/trace/read.hpp"
#include "support.hpp"

namespace {

const std::string traces = std::string(CANOPY_TRACE_TEST_DIR) + "/traces/";

int run(int (*command)(int, char**), std::initializer_list<std::string> arguments) {
  std::vector<std::string> storage(arguments);
  std::vector<char*> argv;
  for (std::string& argument : storage) argv.push_back(argument.data());
  argv.push_back(nullptr);
  return command(static_cast<int>(storage.size()), argv.data());
}

std::string temporary(const std::string& name) {
  return "/tmp/canopy-trace-cli-test-" + std::to_string(::getpid()) + "-" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

TEST_CASE("canopy lint exits 1 when lints fire and 0 on a clean trace") {
  CHECK(run(canopy_cli_lint, {"lint", traces + "leaky.trace"}) == 1);
  CHECK(run(canopy_cli_lint, {"lint", traces + "pipeline.trace"}) == 0);
  CHECK(run(canopy_cli_lint, {"lint", "--max-run-ms", "1000", traces + "pipeline.trace"}) == 0);
}

TEST_CASE("canopy diff exits 0 for identical traces, 1 for different ones and 2 on errors") {
  CHECK(run(canopy_cli_diff, {"diff", traces + "leaky.trace", traces + "leaky.trace"}) == 0);
  CHECK(run(canopy_cli_diff, {"diff", traces + "leaky.trace", traces + "pipeline.trace"}) == 1);
  CHECK(run(canopy_cli_diff, {"diff", traces + "leaky.trace"}) == 2);
  CHECK(run(canopy_cli_diff, {"diff", traces + "leaky.trace", "/nonexistent.trace"}) == 2);
}

TEST_CASE("canopy render picks the format from the output's extension") {
  const std::string svg = temporary("out.svg");
  const std::string html = temporary("out.html");
  CHECK(run(canopy_cli_render, {"render", traces + "bundle_cancel.trace", "-o", svg}) == 0);
  CHECK(run(canopy_cli_render, {"render", traces + "bundle_cancel.trace", "-o", html, "--axis", "seq"}) == 0);
  CHECK(slurp(svg).rfind("<?xml", 0) == 0);
  CHECK(slurp(html).rfind("<!DOCTYPE html>", 0) == 0);
  std::remove(svg.c_str());
  std::remove(html.c_str());
}

TEST_CASE("canopy export writes Chrome JSON") {
  const std::string out = temporary("chrome.json");
  CHECK(run(canopy_cli_export, {"export", "--format", "chrome", traces + "pipeline.trace", "-o", out}) == 0);
  CHECK(slurp(out).find("\"traceEvents\"") != std::string::npos);
  std::remove(out.c_str());
}

TEST_CASE("Bad arguments exit 2") {
  CHECK(run(canopy_cli_export, {"export", "--format", "perfetto", traces + "pipeline.trace", "-o", "x.json"}) == 2);
  CHECK(run(canopy_cli_export, {"export", traces + "pipeline.trace"}) == 2);
  CHECK(run(canopy_cli_render, {"render", traces + "pipeline.trace", "-o", "picture.png"}) == 2);
  CHECK(run(canopy_cli_render, {"render", traces + "pipeline.trace", "-o", "p.svg", "--lanes", "many"}) == 2);
  CHECK(run(canopy_cli_lint, {"lint", "--frobnicate", traces + "pipeline.trace"}) == 2);
  CHECK(run(canopy_cli_lint, {"lint"}) == 2);
}

TEST_CASE("A corrupt trace exits 2") {
  const std::string path = temporary("corrupt.trace");
  std::string text = canopy::test::read_fixture("traces/pipeline.trace");
  text.insert(text.find('\n', text.size() / 2) + 1, "not json\n");
  std::ofstream(path) << text;
  CHECK(run(canopy_cli_lint, {"lint", path}) == 2);
  std::remove(path.c_str());
}

TEST_CASE("canopy render refuses to overwrite its own input, by any name") {
  const std::string path = temporary("input.trace");
  const std::string text = canopy::test::read_fixture("traces/pipeline.trace");
  std::ofstream(path) << text;
  const std::string alias = temporary("alias.svg");
  REQUIRE(::symlink(path.c_str(), alias.c_str()) == 0);
  CHECK(run(canopy_cli_render, {"render", path, "-o", path, "--format", "svg"}) == 2);
  CHECK(run(canopy_cli_render, {"render", path, "-o", alias}) == 2);
  CHECK(run(canopy_cli_export, {"export", path, "-o", path}) == 2);
  CHECK(slurp(path) == text);
  std::remove(alias.c_str());
  std::remove(path.c_str());
}

TEST_CASE("canopy render replaces a symbolic link at its output instead of writing through it") {
  const std::string victim = temporary("victim.txt");
  std::ofstream(victim) << "precious\n";
  const std::string link = temporary("link.svg");
  REQUIRE(::symlink(victim.c_str(), link.c_str()) == 0);
  CHECK(run(canopy_cli_render, {"render", traces + "pipeline.trace", "-o", link}) == 0);
  CHECK(slurp(victim) == "precious\n");
  CHECK(slurp(link).rfind("<?xml", 0) == 0);
  struct stat info{};
  REQUIRE(::lstat(link.c_str(), &info) == 0);
  CHECK(S_ISREG(info.st_mode));
  std::remove(link.c_str());
  std::remove(victim.c_str());
}

TEST_CASE("canopy render leaves no partial file when it cannot write") {
  // The output's name is taken by a folder: writing succeeds, the rename
  // fails, and the temporary file must be gone.
  const std::string folder = temporary("render-folder");
  REQUIRE(::mkdir(folder.c_str(), 0700) == 0);
  const std::string out = folder + "/taken.svg";
  REQUIRE(::mkdir(out.c_str(), 0700) == 0);
  CHECK(run(canopy_cli_render, {"render", traces + "pipeline.trace", "-o", out}) == 2);
  DIR* listing = ::opendir(folder.c_str());
  REQUIRE(listing != nullptr);
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(listing)) {
    if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..") names.push_back(entry->d_name);
  }
  ::closedir(listing);
  CHECK(names == std::vector<std::string>{"taken.svg"});
  ::rmdir(out.c_str());
  ::rmdir(folder.c_str());
}

TEST_CASE("A trace cut off mid-line is read up to the cut, and lint says where") {
  const std::string path = temporary("cut.trace");
  std::string text = canopy::test::read_fixture("traces/pipeline.trace");
  text.resize(text.size() - 5);
  std::ofstream(path) << text;
  const std::string out = temporary("cut.svg");
  CHECK(run(canopy_cli_render, {"render", path, "-o", out}) == 0);
  CHECK(slurp(out).find("the trace is cut at line") != std::string::npos);
  std::remove(out.c_str());
  std::remove(path.c_str());
}

TEST_CASE("The example in docs/trace-format.md is a valid trace") {
  const std::string doc = canopy::test::read_fixture("../../docs/trace-format.md");
  const std::size_t section = doc.find("## A complete example");
  REQUIRE(section != std::string::npos);
  const std::size_t open = doc.find("```\n", section);
  const std::size_t close = doc.find("```", open + 4);
  REQUIRE(close != std::string::npos);
  canopy::trace::ParseResult parsed = canopy::trace::parse_trace(doc.substr(open + 4, close - open - 4));
  INFO(parsed.error.line << ": " << parsed.error.message);
  REQUIRE(parsed.ok);
  CHECK(parsed.trace.events.size() == 17);
}
