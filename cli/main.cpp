// canopy: the command-line front door. Each subcommand lives in its own
// file; this one only dispatches and explains.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "canopy/version.hpp"
#include "tour.hpp"
#if CANOPY_CLI_SIM
#include "commands_sim.hpp"
#endif
#if CANOPY_CLI_TRACE
#include "commands_trace.hpp"
#endif

namespace {

struct Command {
  const char* name;
  const char* usage;
  int (*run)(int argc, char** argv);
};

const Command commands[] = {
    {"tour", "tour [--out DIR] [--seed N] [--real] [SCENARIO...]   the documented use cases, narrated, with diagrams", canopy_cli_tour},
#if CANOPY_CLI_SIM
    {"run", "run SCENARIO --seed N --strategy S [--trace PATH]   one simulated run", canopy_cli_run},
    {"sweep", "sweep SCENARIO|all --seeds A..B [--jobs J] [--shard K/N|auto] [--junit FILE] [--json FILE] [--report DIR]\n"
              "  canopy sweep merge [--json OUT] [--junit OUT] SHARD.json|SHARD.xml...   one report from the shards'", canopy_cli_sweep},
    {"replay", "replay LINE               reproduce a failure from its replay line", canopy_cli_replay},
    {"list", "list                      the scenarios", canopy_cli_list},
#endif
#if CANOPY_CLI_TRACE
    {"export", "export --format chrome TRACE -o OUT.json   for Perfetto / chrome://tracing", canopy_cli_export},
    {"render", "render TRACE -o OUT.svg|OUT.html            the lifetime diagram", canopy_cli_render},
    {"diff", "diff A B [-o OUT.html]   where two traces first diverge (the page: both diagrams aligned)", canopy_cli_diff},
    {"lint", "lint TRACE                structured-concurrency lints", canopy_cli_lint},
#endif
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: canopy [--version | --help] COMMAND [ARGS...]\n\n"
               "Structured concurrency that runs for real and can be tested deterministically.\n\n"
               "commands:\n");
  for (const Command& c : commands) std::fprintf(out, "  canopy %s\n", c.usage);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view first = argv[1];
  if (first == "--version" || first == "-V") {
    std::printf("canopy %s\n", canopy::version());
    return 0;
  }
  if (first == "--help" || first == "-h" || first == "help") {
    usage(stdout);
    return 0;
  }
  for (const Command& c : commands) {
    if (first == c.name) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "canopy: '%s' is not a command\n\n", argv[1]);
  usage(stderr);
  return 2;
}
