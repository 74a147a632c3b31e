// The simulator's subcommands of the `canopy` program. Each takes the
// subcommand's own argv (argv[0] is the subcommand name, e.g. "run") and
// returns the process exit status: 0 every run passed, 1 a run failed (the
// report and the replay line are printed), 2 bad arguments (a sentence
// naming what was wrong, then the usage).
#pragma once

/// canopy run SCENARIO [--seed N] [--strategy fifo|random|pct|replay|auto]
///   [--pct-depth D] [--inject cancel] [--whatif cancel,timeout]
///   [--jitter-ms N] [--slow-ms N] [--trace PATH]
/// One simulated run, narrated: every point the document marks, with its
/// virtual time and coroutine, then the result and the replay line.
int canopy_cli_run(int argc, char** argv);
/// canopy sweep SCENARIO|all --seeds A..B [--strategy S] [--jobs J]
///   [--shard K/N] [--junit FILE] [--coverage FILE.json] [run's options]
/// Many seeded runs in J worker processes; shard K of N (1-based) takes
/// every N-th run. A progress line on a terminal, JUnit XML on request.
/// Failures after a what-if injection are counted apart from real ones.
int canopy_cli_sweep(int argc, char** argv);
/// canopy replay 'v1:scenario=NAME;seed=N;strategy=S;...' [--trace PATH]
/// Repeats a run exactly from the line a failure printed; the trace is the
/// same, byte for byte, as the original run's.
int canopy_cli_replay(int argc, char** argv);
/// canopy list: the scenarios, one a line: name, title, source.
int canopy_cli_list(int argc, char** argv);
