// An ordinary C++ program whose coroutine ends in an uncaught exception.
#include <canopy/canopy.hpp>

#include <chrono>
#include <stdexcept>

int main() {
  canopy::child worker = canopy::go([] {
    (void)canopy::sleep_for(std::chrono::milliseconds(20));
    throw std::runtime_error("the worker throws on purpose");
  }, {.name = "thrower"});
  (void)canopy::sleep_for(std::chrono::milliseconds(1000));
  return 0;
}
