// `canopy sweep --shard auto`: which shard this process is, from the
// variables the job engine sets (docs/fuzzing.md, section 4).
#pragma once

#include <cstdint>
#include <string>

namespace canopy::cli {

/// Shard `index` (1-based) of `count`.
struct Shard {
  std::uint64_t index = 1, count = 1;
  std::string source;  ///< which engine's variables said so
};

/// Reads, first found wins:
///   CANOPY_SHARD_INDEX (0-based) and CANOPY_SHARD_COUNT: any engine that
///     gives an index and a count (GitHub Actions: strategy.job-index and
///     strategy.job-total);
///   JOB_COMPLETION_INDEX (0-based, set by a Kubernetes Indexed Job) and
///     JOB_COMPLETIONS (the job's completions, set in the manifest);
///   SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT
///     (or MAX): a job array with a step of 1.
/// False with `error` saying what is missing or inconsistent.
bool shard_from_environment(Shard& shard, std::string& error);

}  // namespace canopy::cli
