// Benchmarks for trace recording and rendering.
//
// Link with: canopy_static (for canopy_trace_record's Recorder),
// canopy_trace_tools, canopy_viewer, benchmark::benchmark_main; include
// paths come from those targets (core/src for runtime/event.hpp).
//
// BM_RecordEvent: the cost of one Recorder::record into a 64 KiB buffer
// flushed to /dev/null. BM_BuildModel / BM_StreamModel (bounded for
// drawing, as `canopy render` builds it) / BM_RenderSvg / BM_RenderHtml: a
// synthetic trace of 1,000 coroutines and 1,000,000 events; the output size
// is reported as the counter "bytes_out".
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "canopy/trace/model.hpp"
#include "canopy/trace/read.hpp"
#include "canopy/trace/recorder.hpp"
#include "canopy/viewer/render.hpp"

namespace {

using namespace canopy;

void BM_RecordEvent(benchmark::State& state) {
  std::FILE* sink = std::fopen("/dev/null", "w");
  if (sink == nullptr) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  {
    trace::Recorder recorder(sink, trace::Header{});
    runtime::Event event;
    event.kind = runtime::EventKind::block;
    event.coroutine = 17;
    event.reason = runtime::BlockReason::chrecv;
    event.object = 4;
    event.object_kind = runtime::ObjectKind::channel;
    event.deadline_ms = 1500;
    for (auto _ : state) {
      event.time_ns += 100;
      recorder.record(event);
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::fclose(sink);
}
BENCHMARK(BM_RecordEvent);

// 1,000 coroutines under main, each spawned in turn and then running
// rounds of chsend/chrecv/block/wake with its neighbour until the event
// count is reached; every coroutine exits at the end.
const trace::Trace& synthetic_trace() {
  static const trace::Trace trace = [] {
    constexpr std::uint64_t coroutines = 1000;
    constexpr std::uint64_t events = 1000000;
    std::string text = trace::format_header_line(trace::Header{true, 1, std::string("random"), "bench", {}, {}});
    std::uint64_t seq = 0;
    std::int64_t t = 0;
    auto add = [&](runtime::Event event) {
      event.time_ns = t;
      text += trace::format_event_line(seq++, event);
    };
    for (std::uint64_t id = 1; id <= coroutines; ++id) {
      runtime::Event spawn;
      spawn.kind = runtime::EventKind::spawn;
      spawn.coroutine = id;
      spawn.other = id <= 10 ? 0 : (id - 1) / 10;  // a tree ten wide
      spawn.site = runtime::SpawnSite{"bench.cpp", static_cast<int>(id % 50), "node"};
      add(spawn);
    }
    std::uint64_t turn = 0;
    while (seq + coroutines + 4 < events) {
      const std::uint64_t a = 1 + turn % coroutines;
      const std::uint64_t b = 1 + (turn * 7 + 3) % coroutines;
      ++turn;
      t += 1000;
      runtime::Event block;
      block.kind = runtime::EventKind::block;
      block.coroutine = a;
      block.reason = runtime::BlockReason::chrecv;
      block.object = 1 + a % 17;
      block.object_kind = runtime::ObjectKind::channel;
      add(block);
      runtime::Event send;
      send.kind = runtime::EventKind::chsend;
      send.coroutine = b;
      send.other = a;
      send.object = block.object;
      send.bytes = 8;
      send.side = 0;
      add(send);
      runtime::Event recv = send;
      recv.kind = runtime::EventKind::chrecv;
      recv.coroutine = a;
      recv.other = b;
      recv.side = 1;
      add(recv);
      runtime::Event wake;
      wake.kind = runtime::EventKind::wake;
      wake.coroutine = a;
      wake.other = b;
      add(wake);
    }
    for (std::uint64_t id = coroutines; id >= 1; --id) {
      runtime::Event exit;
      exit.kind = runtime::EventKind::exit;
      exit.coroutine = id;
      add(exit);
    }
    trace::ParseResult parsed = trace::parse_trace(text);
    if (!parsed.ok) {
      std::fprintf(stderr, "synthetic trace: line %zu: %s\n", parsed.error.line, parsed.error.message.c_str());
      std::abort();
    }
    return std::move(parsed.trace);
  }();
  return trace;
}

void BM_BuildModel(benchmark::State& state) {
  const trace::Trace& source = synthetic_trace();
  for (auto _ : state) {
    trace::Model model = trace::build_model(source);
    benchmark::DoNotOptimize(model.coroutines.size());
  }
  state.counters["events"] = static_cast<double>(source.events.size());
}
BENCHMARK(BM_BuildModel)->Unit(benchmark::kMillisecond);

// The same events streamed into a model bounded for drawing (what
// `canopy render` does, without the file).
void BM_StreamModel(benchmark::State& state) {
  const trace::Trace& source = synthetic_trace();
  std::size_t thinned = 0;
  for (auto _ : state) {
    trace::ModelBuilder builder(trace::ModelLimits::drawing());
    for (const trace::TraceEvent& event : source.events) builder.add(event);
    trace::Model model = builder.finish(trace::Trace{});
    thinned = model.thinned_marks;
    benchmark::DoNotOptimize(model.coroutines.size());
  }
  state.counters["events"] = static_cast<double>(source.events.size());
  state.counters["thinned"] = static_cast<double>(thinned);
}
BENCHMARK(BM_StreamModel)->Unit(benchmark::kMillisecond);

void BM_RenderSvg(benchmark::State& state) {
  const trace::Model model = trace::build_model(synthetic_trace());
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string svg = viewer::render_svg(model);
    bytes = svg.size();
    benchmark::DoNotOptimize(svg.data());
  }
  state.counters["bytes_out"] = static_cast<double>(bytes);
  state.counters["coroutines"] = static_cast<double>(model.coroutines.size());
}
BENCHMARK(BM_RenderSvg)->Unit(benchmark::kMillisecond);

void BM_RenderHtml(benchmark::State& state) {
  const trace::Model model = trace::build_model(synthetic_trace());
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string html = viewer::render_html(model);
    bytes = html.size();
    benchmark::DoNotOptimize(html.data());
  }
  state.counters["bytes_out"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderHtml)->Unit(benchmark::kMillisecond);

}  // namespace
