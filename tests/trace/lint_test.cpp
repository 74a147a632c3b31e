#include <cerrno>

#include <catch2/catch.hpp>

#include "canopy/trace/lint.hpp"
#include "support.hpp"

using namespace canopy;
using runtime::BlockReason;
using runtime::ObjectKind;
using trace::LintKind;

namespace {

std::vector<trace::Lint> lints_of(const test::TraceText& text, const trace::LintOptions& options = {}) {
  return trace::lint(test::model_of(text.text()), options);
}

std::size_t count(const std::vector<trace::Lint>& lints, LintKind kind) {
  std::size_t n = 0;
  for (const auto& lint : lints) n += lint.kind == kind ? 1 : 0;
  return n;
}

trace::Lint only(const std::vector<trace::Lint>& lints, LintKind kind) {
  REQUIRE(count(lints, kind) == 1);
  for (const auto& lint : lints) {
    if (lint.kind == kind) return lint;
  }
  return {};
}

}  // namespace

TEST_CASE("The clean fixtures raise no lints") {
  CHECK(trace::lint(test::fixture_model("traces/bundle_cancel.trace")).empty());
  CHECK(trace::lint(test::fixture_model("traces/pipeline.trace")).empty());
}

TEST_CASE("A child alive after its closer's hclose returned is reported with ids, sites and seqs") {
  test::TraceText text;
  text.spawn(0, 1, 0, 0, "child", 7)
      .block(0, 0, BlockReason::hclose, 1, ObjectKind::coroutine)
      .wake(10, 0, runtime::no_coroutine)  // seq 2: hclose returned
      .exit(20, 1);                        // seq 3: the child ends later
  const trace::Lint& lint = only(lints_of(text), LintKind::child_outlived_close);
  CHECK(lint.coroutines == std::vector<runtime::CoroutineId>{0, 1});
  CHECK(lint.sites[1] == "test.cpp:7");
  CHECK(lint.seqs == std::vector<std::uint64_t>{1, 2, 3});
  CHECK_THAT(trace::format_lint(lint), Catch::Contains("child-outlived-close") && Catch::Contains("seq 1, 2, 3"));
}

TEST_CASE("An hclose that waited for its child raises no lint") {
  test::TraceText text;
  text.spawn(0, 1, 0).block(0, 0, BlockReason::hclose, 1, ObjectKind::coroutine).exit(5, 1).wake(5, 0, 1);
  CHECK(lints_of(text).empty());
}

TEST_CASE("Closing a bundle while a member lives on is reported for that member") {
  test::TraceText text;
  text.spawn(0, 1, 0, 9).spawn(0, 2, 0, 9)
      .block(0, 0, BlockReason::hclose, 9, ObjectKind::bundle)
      .exit(1, 1)
      .wake(2, 0, runtime::no_coroutine)
      .exit(3, 2);
  const trace::Lint& lint = only(lints_of(text), LintKind::child_outlived_close);
  CHECK(lint.coroutines == std::vector<runtime::CoroutineId>{0, 2});
}

TEST_CASE("Closing a bundle without waiting while a member lives is reported") {
  test::TraceText text;
  text.spawn(0, 1, 0, 9);
  runtime::Event close;
  close.kind = runtime::EventKind::object_close;
  close.time_ns = 1;
  close.coroutine = 0;
  close.object = 9;
  close.object_kind = ObjectKind::bundle;
  text.event(close).exit(2, 1);
  const trace::Lint lint = only(lints_of(text), LintKind::child_outlived_close);
  CHECK(lint.seqs == std::vector<std::uint64_t>{1, 1, 2});
  CHECK_THAT(lint.message, Catch::Contains("closed their bundle at seq 1"));
}

TEST_CASE("A cancelled coroutine that keeps blocking after ECANCELED is reported") {
  test::TraceText text;
  text.spawn(0, 1, 0)
      .block(0, 1, BlockReason::chrecv, 4, ObjectKind::channel)
      .cancel(1, 1, 0, 1, ObjectKind::coroutine)
      .wake(1, 1, 0, ECANCELED)
      .ecanceled(1, 1);
  for (int i = 0; i < 3; ++i) text.block(2 + i, 1, BlockReason::msleep).wake(3 + i, 1, runtime::no_coroutine);
  text.exit(10, 1);
  const trace::Lint& lint = only(lints_of(text), LintKind::kept_blocking_after_ecanceled);
  CHECK(lint.coroutines == std::vector<runtime::CoroutineId>{1});
  CHECK(lint.seqs.front() == 4);
  CHECK(lint.seqs.size() == 4);
}

TEST_CASE("A cancelled coroutine that only closes its children afterwards raises no lint") {
  test::TraceText text;
  text.spawn(0, 1, 0).spawn(0, 2, 1)
      .block(0, 1, BlockReason::chrecv, 4, ObjectKind::channel)
      .cancel(1, 1, 0, 1, ObjectKind::coroutine)
      .wake(1, 1, 0, ECANCELED)
      .ecanceled(1, 1)
      .block(1, 1, BlockReason::hclose, 2, ObjectKind::coroutine)
      .exit(2, 2)
      .wake(2, 1, 2)
      .exit(2, 1);
  CHECK(lints_of(text).empty());
}

TEST_CASE("A blocking call refused during the grace period is reported") {
  test::TraceText text;
  text.spawn(0, 1, 0)
      .block(0, 1, BlockReason::chrecv, 4, ObjectKind::channel)
      .cancel(1, 1, 0, 1, ObjectKind::coroutine)
      .wake(1, 1, 0, ECANCELED)  // the delivery: fine
      .block(2, 1, BlockReason::chsend, 4, ObjectKind::channel)
      .wake(2, 1, runtime::no_coroutine, ECANCELED)  // seq 5: refused at once
      .exit(3, 1, ECANCELED);
  const trace::Lint& lint = only(lints_of(text), LintKind::refused_during_grace);
  CHECK(lint.seqs == std::vector<std::uint64_t>{4, 5});
}

TEST_CASE("A coroutine that never blocks for too long is reported once") {
  test::TraceText text;
  text.spawn(0, 1, 0);
  for (int i = 0; i < 50; ++i) text.plain(i, 1, runtime::EventKind::timer_set);
  text.block(60, 1, BlockReason::yield).wake(60, 1, runtime::no_coroutine).exit(61, 1);
  trace::LintOptions options;
  options.max_events_without_block = 20;
  const trace::Lint& lint = only(lints_of(text, options), LintKind::never_yielding);
  CHECK(lint.coroutines == std::vector<runtime::CoroutineId>{1});
  options.max_events_without_block = 100;
  CHECK(count(lints_of(text, options), LintKind::never_yielding) == 0);
}

TEST_CASE("A coroutine that outlived its parent is an orphan, whether it exited later or never") {
  const trace::Model model = test::fixture_model("traces/leaky.trace");
  const auto lints = trace::lint(model);
  REQUIRE(lints.size() == 2);
  // co 2 exited at seq 14, after its parent (seq 12): the viewer's "not
  // structured" and this lint are one predicate, Model::outlived_parent.
  CHECK(lints[0].kind == LintKind::orphan);
  CHECK(lints[0].coroutines == std::vector<runtime::CoroutineId>{2, 1});
  CHECK_THAT(lints[0].message, Catch::Contains("exited only at seq 14, after its parent"));
  CHECK(lints[1].kind == LintKind::orphan);
  CHECK(lints[1].coroutines == std::vector<runtime::CoroutineId>{3, 1});
  CHECK(lints[1].sites == std::vector<std::string>{"leaky.c:23", "leaky.c:10"});
  for (const auto& [id, co] : model.coroutines) {
    const bool linted = id == 2 || id == 3;
    CHECK((model.outlived_parent(co) != nullptr) == linted);
  }
}
