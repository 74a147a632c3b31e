// Canopy's C++ API: structured concurrency with stackful coroutines.
//
//   canopy::channel<int> results;
//   {
//     canopy::bundle workers;
//     for (int i = 0; i != 3; ++i)
//       workers.go([&, i] { (void)results.send(i * i); });
//     ...
//   }  // the bundle cancels what is left and waits: no coroutine outlives it
//
// Do not include this and <libdill.h> in the same translation unit: the C
// API's go() and coroutine macros would rewrite canopy::go.
#pragma once

#include "canopy/bundle.hpp"
#include "canopy/channel.hpp"
#include "canopy/child.hpp"
#include "canopy/choose.hpp"
#include "canopy/result.hpp"
#include "canopy/this_coroutine.hpp"
#include "canopy/time.hpp"
#include "canopy/version.hpp"
