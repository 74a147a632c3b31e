// Built against an installed Canopy with find_package(canopy).
#include <canopy/canopy.hpp>
#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

int main() {
  canopy::channel<int> squares;
  int sum = 0;
  {
    canopy::bundle workers;
    for (int i = 1; i <= 3; ++i) workers.go([&, i] { (void)squares.send(i * i); });
    for (int i = 0; i < 3; ++i) sum += squares.recv().value();
    (void)workers.wait(canopy::after(1s));
  }
  std::printf("canopy %s: sum of squares %d\n", canopy::version(), sum);
  return sum == 14 ? 0 : 1;
}
