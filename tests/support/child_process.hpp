// Running a piece of a test in a forked child: for behaviour that ends the
// process (the real runtime's reports, fatal signals, exit statuses).
#pragma once

#include <functional>
#include <string>

namespace canopy::testing {

/// How a child ended and what it wrote.
struct ChildResult {
  int status = 0;      ///< as from waitpid
  std::string output;  ///< its stderr, and its stdout when asked for
};

/// Runs `fn` in a forked child, which exits 0 when `fn` returns. Its stderr
/// (and stdout, with `with_stdout`) is captured into `output`, in order.
ChildResult in_child(const std::function<void()>& fn, bool with_stdout = false);

}  // namespace canopy::testing
