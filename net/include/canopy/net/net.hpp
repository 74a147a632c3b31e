// The network layer's C++ face: addresses, TCP, IPC and UDP as owning
// types, std::span buffers, canopy::deadline, canopy::result.
#pragma once

#include "canopy/net/ip_address.hpp"
#include "canopy/net/ipc.hpp"
#include "canopy/net/tcp.hpp"
#include "canopy/net/udp.hpp"
