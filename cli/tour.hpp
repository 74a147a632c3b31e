#pragma once
/// canopy tour [--out DIR] [--seed N] [--real] [SCENARIO...]: the main job.
/// Runs every documented use case under the simulator (or, with --real, on
/// the real runtime in real time), narrating each numbered point of its
/// document; under the simulator it also writes each run's trace and
/// lifetime diagram, and an HTML index linking them, and says where.
int canopy_cli_tour(int argc, char** argv);
