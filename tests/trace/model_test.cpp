#include <cerrno>

#include <catch2/catch.hpp>

#include "canopy/trace/model.hpp"
#include "support.hpp"

using namespace canopy;
using trace::State;

TEST_CASE("The model rebuilds the coroutine tree with bundles and spawn sites") {
  const trace::Model model = test::fixture_model("traces/bundle_cancel.trace");
  REQUIRE(model.coroutines.size() == 4);
  const trace::Coroutine& main = model.coroutines.at(0);
  CHECK(main.children == std::vector<runtime::CoroutineId>{1, 2, 3});
  const trace::Coroutine& logger = model.coroutines.at(3);
  CHECK(logger.parent == 0);
  CHECK(logger.bundle == 1);
  CHECK(logger.depth == 1);
  CHECK(logger.site == "server.cpp:21");
  CHECK(logger.label() == "co 3 logger (server.cpp:21)");
  CHECK(model.depth_first() == std::vector<runtime::CoroutineId>{0, 1, 2, 3});
}

TEST_CASE("Lifetimes run from spawn to exit, and to the trace's end for the living") {
  const trace::Model model = test::fixture_model("traces/leaky.trace");
  const trace::Coroutine& parent = model.coroutines.at(1);
  CHECK(parent.spawn_ns == 1000000);
  CHECK(parent.exited);
  CHECK(parent.exit_ns == 4100000);
  CHECK(parent.exit_seq == 12);
  const trace::Coroutine& forgotten = model.coroutines.at(3);
  CHECK_FALSE(forgotten.exited);
  CHECK(forgotten.exit_ns == model.end_ns);
}

TEST_CASE("State intervals record what a coroutine blocked on and how the block ended") {
  const trace::Model model = test::fixture_model("traces/bundle_cancel.trace");
  const trace::Coroutine& worker = model.coroutines.at(1);
  std::vector<const trace::StateInterval*> blocked;
  for (const auto& interval : worker.intervals) {
    if (interval.state == State::blocked) blocked.push_back(&interval);
  }
  REQUIRE(blocked.size() == 2);
  CHECK(blocked[0]->reason == runtime::BlockReason::chrecv);
  CHECK(blocked[0]->object == 2);
  CHECK(blocked[0]->object_kind == runtime::ObjectKind::channel);
  CHECK(blocked[0]->wake_err == 0);
  CHECK(blocked[1]->begin_seq == 15);
  CHECK(blocked[1]->end_seq == 26);
  CHECK(blocked[1]->wake_err == ECANCELED);
  // Intervals tile the lifetime without gaps.
  for (std::size_t i = 1; i < worker.intervals.size(); ++i) {
    CHECK(worker.intervals[i].begin_seq == worker.intervals[i - 1].end_seq);
  }
}

TEST_CASE("Cancellation requests, ECANCELED delivery and grace periods are rebuilt") {
  const trace::Model model = test::fixture_model("traces/bundle_cancel.trace");
  const trace::Coroutine& logger = model.coroutines.at(3);
  CHECK(logger.cancel_requested);
  CHECK(logger.cancel_seq == 25);
  CHECK(logger.cancelled_by == 0);
  CHECK(logger.got_ecanceled);
  CHECK(logger.ecanceled_seq == 30);
  CHECK(logger.exit_err == ECANCELED);
  CHECK(logger.grace_ns() == 0);
  CHECK_FALSE(model.coroutines.at(2).cancel_requested);
}

TEST_CASE("Deadlines are rebuilt with whether they expired") {
  const trace::Model model = test::fixture_model("traces/leaky.trace");
  const auto& deadlines = model.coroutines.at(1).deadlines;
  REQUIRE(deadlines.size() == 1);
  CHECK(deadlines[0].deadline_ms == 4);
  CHECK(deadlines[0].expired);
  CHECK(deadlines[0].expired_seq == 10);
  const auto& main_deadlines = model.coroutines.at(0).deadlines;
  REQUIRE(main_deadlines.size() == 1);
  CHECK_FALSE(main_deadlines[0].expired);
}

TEST_CASE("Channel sends and receives are paired into rendezvous") {
  const trace::Model model = test::fixture_model("traces/pipeline.trace");
  REQUIRE(model.rendezvous.size() == 2);
  CHECK(model.rendezvous[0].sender == 1);
  CHECK(model.rendezvous[0].receiver == 2);
  CHECK(model.rendezvous[0].send_seq == 7);
  CHECK(model.rendezvous[0].recv_seq == 6);
  CHECK(model.rendezvous[1].send_seq == 15);
  CHECK(model.rendezvous[1].bytes == 4);
}

TEST_CASE("A coroutine runs from the first event it causes until it blocks") {
  const trace::Model model = test::fixture_model("traces/pipeline.trace");
  const trace::Coroutine& producer = model.coroutines.at(1);
  REQUIRE(producer.intervals.size() >= 2);
  CHECK(producer.intervals[0].state == State::ready);
  CHECK(producer.intervals[1].state == State::running);
  CHECK(producer.intervals[1].begin_seq == 5);
  CHECK(producer.intervals[2].state == State::blocked);
}
