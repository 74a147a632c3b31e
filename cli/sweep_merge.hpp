// canopy sweep merge: the reports of a sweep's shards (JSON, and JUnit XML)
// into one report, as the unsharded sweep would have written it.
#pragma once

namespace canopy::cli {

/// `argv[0]` is "merge": [--json OUT] [--junit OUT] FILE... where each FILE
/// is a shard's --json report (*.json) or --junit file (*.xml). Prints a
/// summary and each failure group once; exit 0 when every shard is there
/// and nothing failed, 1 when something failed, 2 on bad input or missing
/// shards.
int sweep_merge(int argc, char** argv);

}  // namespace canopy::cli
