// Rendering a long trace takes memory bounded by its coroutines, not its
// events (docs/diagrams.md, "Scale"): this program counts the heap itself
// (every operator new and delete) while it streams synthetic traces of
// growing length through the model and renders each, and fails when the
// peak grows with the events. Counted, not timed: it holds under any load.
//   memory_bound            exit 0 when bounded, 1 (with the figures) when not
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "canopy/trace/model.hpp"
#include "canopy/viewer/render.hpp"

namespace {
std::size_t live_bytes = 0;
std::size_t peak_bytes = 0;
}  // namespace

void* operator new(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  live_bytes += malloc_usable_size(p);
  peak_bytes = std::max(peak_bytes, live_bytes);
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  live_bytes -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

using namespace canopy;

// What make_scale_trace.py writes, without the file: `coroutines` workers
// under main that sleep in rounds, pass a message to a neighbour each
// round, then return.
void feed(trace::ModelBuilder& builder, std::uint64_t coroutines, std::uint64_t rounds) {
  std::uint64_t seq = 0;
  std::int64_t t = 0;
  auto add = [&](runtime::Event event, const char* fn = "") {
    trace::TraceEvent traced;
    traced.seq = seq++;
    event.time_ns = t;
    traced.event = event;
    if (event.kind == runtime::EventKind::spawn) {
      traced.site_file = "scale.c";
      traced.site_line = 10;
      traced.fn = fn;
    }
    builder.add(traced);
  };
  for (std::uint64_t id = 1; id <= coroutines; ++id) {
    runtime::Event spawn;
    spawn.kind = runtime::EventKind::spawn;
    spawn.coroutine = id;
    spawn.other = 0;
    spawn.object = 1;
    add(spawn, id % 2 == 0 ? "even" : "odd");
  }
  for (std::uint64_t round = 0; round < rounds; ++round) {
    t += 1000;
    for (std::uint64_t id = 1; id <= coroutines; ++id) {
      runtime::Event block;
      block.kind = runtime::EventKind::block;
      block.coroutine = id;
      block.reason = runtime::BlockReason::msleep;
      add(block);
      runtime::Event wake;
      wake.kind = runtime::EventKind::wake;
      wake.coroutine = id;
      add(wake);
      runtime::Event send;
      send.kind = runtime::EventKind::chsend;
      send.coroutine = id;
      send.other = 1 + id % coroutines;
      send.object = 7;
      send.bytes = 8;
      add(send);
      runtime::Event recv = send;
      recv.kind = runtime::EventKind::chrecv;
      recv.coroutine = send.other;
      recv.other = id;
      recv.side = 1;
      add(recv);
    }
  }
  t += 1000;
  for (std::uint64_t id = 1; id <= coroutines; ++id) {
    runtime::Event exit;
    exit.kind = runtime::EventKind::exit;
    exit.coroutine = id;
    add(exit);
  }
}

struct Figures {
  std::uint64_t events = 0;
  std::size_t peak_bytes = 0;
  std::size_t marks = 0;
  std::size_t page_bytes = 0;
};

Figures render(std::uint64_t coroutines, std::uint64_t rounds) {
  const std::size_t before = live_bytes;
  peak_bytes = live_bytes;
  Figures figures;
  {
    trace::ModelBuilder builder(trace::ModelLimits::drawing());
    feed(builder, coroutines, rounds);
    trace::Model model = builder.finish(trace::Trace{});
    figures.events = model.event_count;
    for (const auto& [id, co] : model.coroutines) figures.marks += co.intervals.size();
    figures.marks += model.rendezvous.size();
    figures.page_bytes = viewer::render_html(model).size();
  }
  figures.peak_bytes = peak_bytes - before;
  return figures;
}

}  // namespace

int main() {
  // Both past what the pixels can show and past the marks budget, so that
  // the second can only cost more if something grows with the events.
  constexpr std::uint64_t coroutines = 100;
  const Figures small = render(coroutines, 2000);  // 800,000 events
  const Figures large = render(coroutines, 8000);  // 3,200,000 events
  for (const Figures& f : {small, large}) {
    std::printf("%llu events: peak heap %zu bytes, %zu marks kept, page %zu bytes\n",
                static_cast<unsigned long long>(f.events), f.peak_bytes, f.marks, f.page_bytes);
  }
  const std::size_t budget = trace::ModelLimits::drawing().marks_budget;
  int failed = 0;
  if (large.marks > budget) {
    std::printf("FAIL: %zu marks kept, over the budget of %zu\n", large.marks, budget);
    failed = 1;
  }
  // Four times the events may cost a little more (the thinning keeps up
  // to the budget), never in proportion: a model that kept every event
  // would need about four times the memory.
  if (large.peak_bytes * 2 > small.peak_bytes * 3) {
    std::printf("FAIL: the peak heap grew from %zu to %zu bytes with 4 times the events\n", small.peak_bytes,
                large.peak_bytes);
    failed = 1;
  }
  if (large.page_bytes * 2 > small.page_bytes * 3) {
    std::printf("FAIL: the page grew from %zu to %zu bytes with 4 times the events\n", small.page_bytes,
                large.page_bytes);
    failed = 1;
  }
  return failed;
}
