#include "tour.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "canopy/detail/api.hpp"
#include "canopy/scenarios/scenario.h"
#if CANOPY_CLI_SIM && CANOPY_CLI_TRACE
#include "commands_sim.hpp"
#include "commands_trace.hpp"
#define CANOPY_TOUR_SIMULATED 1
#else
#define CANOPY_TOUR_SIMULATED 0
#endif

namespace {

constexpr const char* usage = "usage: canopy tour [--out DIR] [--seed N] [--real] [SCENARIO...]";

// --- On the real runtime, in real time -----------------------------------

struct Narrator {
  std::mt19937 random;          ///< seeded: the tour tells the same story every time
  std::int64_t start_ms = 0;
};

long narrator_random(scenario_env* env) {
  return static_cast<long>(static_cast<Narrator*>(env->user)->random() & 0x7fffffff);
}

void narrate(scenario_env* env, const char* point, const char* text) {
  auto* n = static_cast<Narrator*>(env->user);
  std::uint64_t id = canopy::detail::current_id();
  std::string who = id == 0 ? "main" : "coroutine " + std::to_string(id);
  std::printf("  %6lld ms  %-12s (%s) %s\n",
              static_cast<long long>(canopy::detail::now_ms() - n->start_ms), who.c_str(), point, text);
  std::fflush(stdout);
}

int run_real(const scenario& sc, unsigned seed) {
  std::printf("\n== %s: %s\n   documented in %s\n", sc.name, sc.title, sc.source);
  Narrator n{std::mt19937(seed), canopy::detail::now_ms()};
  scenario_env env{narrator_random, narrate, &n};
  int rc = sc.run(&env);
  std::printf("   %s\n", rc == 0 ? "as the document says" : "FAILED: not as the document says");
  return rc;
}

// --- Under the simulator, with traces and diagrams ------------------------

#if CANOPY_TOUR_SIMULATED
int call(int (*command)(int, char**), std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return command(static_cast<int>(args.size()), argv.data());
}

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// What to look at in each scenario's diagram: one sentence for someone who
// has read the documents, keyed by scenario name.
struct LookAt {
  const char* scenario;
  const char* sentence;
};
constexpr LookAt look_at[] = {
    {"parent-closes-child", "The child's lane ends at main's hclose: the red arrow is the cancellation, the diamond the ECANCELED its sleep returned."},
    {"parent-closes-children", "One hclose on the bundle fans out: one arrow from main to each child, each ending in its ECANCELED."},
    {"parent-waits-for-child", "No arrows at all: the child returns on its own (the dark flag) before main closes it."},
    {"parent-waits-with-grace", "main's chrecv has a deadline: a child that answers in time returns on its own (the dark flag); one still busy then would get a cancellation arrow."},
    {"children-grace-period", "The orange box on main's lane is the 500 ms grace period; children still running when it ends get the arrows."},
    {"broadcast-shutdown", "hdone on one channel tells every child at once (their receives fail with EPIPE, no arrows); only a child still working when main's grace period ends gets a cancellation arrow."},
    {"nested-grace-periods", "main's 500 ms grace (orange, top lane) ends first: foo's 1000 ms grace for bar is cut short, the grey box is the part revoked, and the arrows show main cancelling foo, then foo cancelling bar."},
    {"thousand-children", "A thousand identical children are one band (click its name to expand); its bars show when they exited: most returned during main's 30 s grace, the rest were cancelled at its end."},
    {"async-object", "Closing the object stops both its coroutines: one fan of arrows from the owner."},
    {"stack-on-stack", "The child runs on a stack inside its parent: the parent closes it (the arrow) before returning, so the child's lane always ends first."},
    {"call-tree", "Every lifetime nests inside its parent's: the tree on the left is the call tree, and no bar outlives its parent."},
    {"unstructured-child", "The red outline: the child outlives its parent, which structured concurrency forbids."},
};

const char* sentence_for(const scenario& sc) {
  for (const LookAt& entry : look_at) {
    if (std::strcmp(entry.scenario, sc.name) == 0) return entry.sentence;
  }
  return sc.title;
}

int run_simulated(const scenario& sc, const std::string& dir, unsigned seed, std::string& index_rows) {
  std::string trace = dir + "/" + sc.name + ".trace";
  std::string html = std::string(sc.name) + ".html";
  std::string svg = std::string(sc.name) + ".svg";
  std::string thumbnail = std::string(sc.name) + ".thumbnail.svg";
  std::printf("\n");
  std::fflush(stdout);
  int rc = call(canopy_cli_run, {"run", sc.name, "--seed", std::to_string(seed), "--strategy", "fifo",
                                 "--trace", trace});
  int drawn = call(canopy_cli_render, {"render", trace, "-o", dir + "/" + html}) |
              call(canopy_cli_render, {"render", trace, "-o", dir + "/" + svg}) |
              call(canopy_cli_render, {"render", trace, "--width", "640", "-o", dir + "/" + thumbnail});
  index_rows += "<div class=\"card\"><a href=\"" + html + "\"><img src=\"" + thumbnail + "\" alt=\"lifetime diagram of " +
                escape_html(sc.name) + "\" loading=\"lazy\"></a><h2><a href=\"" + html + "\">" + escape_html(sc.name) +
                "</a> <span class=\"" + (rc == 0 ? "ok\">as documented" : "bad\">FAILED") + "</span></h2><p class=\"what\">" +
                escape_html(sc.title) + (sc.unstructured ? " <b>(not structured, on purpose)</b>" : "") +
                "</p><p class=\"look\"><b>Look at:</b> " + escape_html(sentence_for(sc)) + "</p><p class=\"also\">" +
                escape_html(sc.source) + " · <a href=\"" + svg + "\">svg</a> · <a href=\"" + sc.name +
                ".trace\">trace</a></p></div>\n";
  return rc != 0 || drawn != 0;
}

bool write_index(const std::string& dir, const std::string& rows, unsigned seed) {
  std::ofstream out(dir + "/index.html");
  out << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Canopy: the documented use "
         "cases</title>\n<style>body{font:15px system-ui,sans-serif;margin:2em;max-width:90em}"
         ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(36em,1fr));gap:1.2em}"
         ".card{border:1px solid #cfd8dc;border-radius:6px;padding:.6em;background:#fff}"
         ".card img{width:100%;height:auto;border:1px solid #eceff1}"
         ".card h2{font-size:1.05em;margin:.4em 0 .2em}.card p{margin:.25em 0}.what{color:#455a64}"
         ".also{font-size:.85em;color:#78909c}.ok{font-size:.75em;color:#2e7d32}.bad{font-size:.75em;color:#c62828}"
         "</style></head>\n"
         "<body><h1>The documented structured-concurrency use cases</h1>\n<p>Each ran under "
         "Canopy's simulator (strategy fifo, seed "
      << seed
      << ": virtual time, the real runtime's order). Each link opens its lifetime diagram: "
         "hover for events and the replay line, click a label to collapse a subtree, wheel "
         "or drag to zoom and pan, press e for the event-order axis.</p>\n<div class=\"cards\">\n"
      << rows << "</div></body></html>\n";
  return static_cast<bool>(out);
}
#endif

}  // namespace

int canopy_cli_tour(int argc, char** argv) {
  std::string dir = "canopy-tour";
  unsigned seed = 1;
  bool real = !CANOPY_TOUR_SIMULATED;
  std::vector<const scenario*> chosen;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--out" || a == "--seed") && i + 1 >= argc) {
      std::fprintf(stderr, "canopy tour: %s needs a value\n%s\n", a.c_str(), usage);
      return 2;
    }
    if (a == "--out") {
      dir = argv[++i];
    } else if (a == "--seed") {
      char* end = nullptr;
      unsigned long v = std::strtoul(argv[++i], &end, 10);
      if (*end != '\0' || v > 0xffffffffUL) {
        std::fprintf(stderr, "canopy tour: --seed needs a number, not '%s'\n%s\n", argv[i], usage);
        return 2;
      }
      seed = static_cast<unsigned>(v);
    } else if (a == "--real") {
      real = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "canopy tour: unknown option '%s'\n%s\n", a.c_str(), usage);
      return 2;
    } else {
      const scenario* sc = scenario_find(a.c_str());
      if (sc == nullptr) {
        std::fprintf(stderr, "canopy tour: no scenario named '%s' (canopy list shows them)\n", a.c_str());
        return 2;
      }
      chosen.push_back(sc);
    }
  }
  if (chosen.empty()) {
    size_t count = 0;
    const scenario* all = scenario_all(&count);
    for (size_t i = 0; i < count; ++i) chosen.push_back(&all[i]);
  }
  int failures = 0;
  if (real) {
    std::printf("The structured-concurrency use cases, on the real runtime, in real time.\n");
    for (const scenario* sc : chosen) failures += run_real(*sc, seed) != 0;
  } else {
#if CANOPY_TOUR_SIMULATED
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "canopy tour: cannot create %s: %s\n", dir.c_str(), std::strerror(errno));
      return 2;
    }
    std::printf("The structured-concurrency use cases, under the simulator (virtual time).\n");
    std::string rows;
    for (const scenario* sc : chosen) failures += run_simulated(*sc, dir, seed, rows);
    if (!write_index(dir, rows, seed)) {
      std::fprintf(stderr, "canopy tour: cannot write %s/index.html\n", dir.c_str());
      return 2;
    }
    char* absolute = realpath(dir.c_str(), nullptr);
    std::printf("\nLifetime diagrams of every use case: %s/index.html\n", absolute != nullptr ? absolute : dir.c_str());
    std::free(absolute);
#endif
  }
  std::printf("%d scenario(s) did not behave as documented\n", failures);
  return failures == 0 ? 0 : 1;
}
