// A property over random trees of coroutines: random depth and width,
// random sleeps and close times, inner nodes cancelled while their own
// children run. Whatever the shape:
//   - every child exits before its closer's hclose returns,
//   - nothing runs in a coroutine after its close returned,
//   - no coroutine, handle or stack is left behind.
// RapidCheck shrinks a failing tree to a small one; the test prints it.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <rapidcheck.h>

#include <canopy/canopy.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <sstream>
#include <set>
#include <string>
#include <vector>


namespace {

struct Node {
  int sleep_ms = 0;        ///< how long it works before closing its children
  bool in_bundle = false;  ///< its children go into one bundle, else own handles
  std::vector<Node> children;
};

void show(const Node& n, std::ostream& os) {
  os << "{sleep " << n.sleep_ms << (n.in_bundle ? " bundle" : "") << " [";
  for (const Node& c : n.children) show(c, os);
  os << "]}";
}

rc::Gen<Node> gen_node(int depth) {
  return rc::gen::exec([depth] {
    Node n;
    n.sleep_ms = *rc::gen::inRange(0, 400);
    n.in_bundle = *rc::gen::arbitrary<bool>();
    int width = depth >= 4 ? 0 : *rc::gen::inRange(0, 4);
    for (int i = 0; i < width; ++i) n.children.push_back(*gen_node(depth + 1));
    return n;
  });
}

struct World {
  int next_id = 0;
  std::set<int> alive;             ///< coroutines that have not exited
  std::set<int> closed;            ///< coroutines whose closer's hclose returned
  std::vector<std::string> errors;

  void ran(int id) {
    if (closed.count(id)) errors.push_back("coroutine " + std::to_string(id) + " ran after its close returned");
  }
};

void run_node(World& w, const Node& n, int id) {
  std::vector<int> child_ids;
  std::vector<canopy::child> handles;
  {
    std::optional<canopy::bundle> b;
    if (n.in_bundle) b.emplace();
    for (const Node& c : n.children) {
      int cid = ++w.next_id;
      child_ids.push_back(cid);
      w.alive.insert(cid);
      auto body = [&w, &c, cid] { run_node(w, c, cid); };
      if (b) {
        b->go(body);
      } else {
        handles.push_back(canopy::go(body));
      }
      w.ran(id);
    }
    (void)canopy::sleep_for(std::chrono::milliseconds(n.sleep_ms));
    w.ran(id);
    if (b) {
      (void)b->wait(canopy::after(std::chrono::milliseconds(n.sleep_ms / 2)));
      w.ran(id);
      (void)b->close();
    }
    for (canopy::child& h : handles) (void)h.close();
  }
  w.ran(id);
  for (int cid : child_ids) {
    if (w.alive.count(cid)) w.errors.push_back("child " + std::to_string(cid) + " still alive after its close returned");
    w.closed.insert(cid);
  }
  w.alive.erase(id);
}

}  // namespace

TEST_CASE("random trees of coroutines never outlive their closers and leak nothing") {
  bool ok = rc::check("trees of coroutines stay structured", [] {
    Node root = *gen_node(0);
    World w;
    auto run = canopy::testing::run_virtual([&] {
      // The root itself is a coroutine that main closes after a random time.
      int root_id = ++w.next_id;
      w.alive.insert(root_id);
      int close_after_ms = *rc::gen::inRange(0, 600);
      {
        canopy::child c = canopy::go([&] { run_node(w, root, root_id); });
        (void)canopy::sleep_for(std::chrono::milliseconds(close_after_ms));
      }
      if (w.alive.count(root_id)) w.errors.push_back("root alive after its close returned");
    });
    std::ostringstream tree;
    show(root, tree);
    RC_LOG() << "tree: " << tree.str() << "\n";
    RC_ASSERT(run.finished);
    RC_ASSERT(w.errors.empty());
    RC_ASSERT(w.alive.empty());
    RC_ASSERT(run.live_after == 0u);
    RC_ASSERT(run.handles_after == 0u);
    RC_ASSERT(run.stacks_after == 0u);
  });
  CHECK(ok);
}
