#include "shard_auto.hpp"

#include <cstdlib>

#include "sim_arguments.hpp"

namespace canopy::cli {

namespace {

/// Longest shard count accepted (as --shard K/N takes).
constexpr std::uint64_t max_shards = 1'000'000;

bool number(const char* name, std::uint64_t& out, bool& present, std::string& error) {
  const char* v = std::getenv(name);
  present = v != nullptr && *v != '\0';
  if (!present) return true;
  if (!parse_u64(v, out)) {
    error = std::string(name) + "=" + v + " is not a number";
    return false;
  }
  return true;
}

bool from_pair(const char* index_name, const char* count_name, std::uint64_t index0, std::uint64_t count,
               Shard& shard, std::string& error) {
  if (count < 1 || count > max_shards || index0 >= count) {
    error = std::string(index_name) + "=" + std::to_string(index0) + " and " + count_name + "=" +
            std::to_string(count) + " do not name a shard (the index counts from 0 and is below the count, at most " +
            std::to_string(max_shards) + ")";
    return false;
  }
  shard.index = index0 + 1;
  shard.count = count;
  return true;
}

}  // namespace

bool shard_from_environment(Shard& shard, std::string& error) {
  std::uint64_t index = 0, count = 0, low = 0, high = 0;
  bool has_index, has_count, has_low, has_high;

  if (!number("CANOPY_SHARD_INDEX", index, has_index, error) || !number("CANOPY_SHARD_COUNT", count, has_count, error))
    return false;
  if (has_index || has_count) {
    if (!(has_index && has_count)) {
      error = "CANOPY_SHARD_INDEX and CANOPY_SHARD_COUNT go together; one of them is not set";
      return false;
    }
    shard.source = "CANOPY_SHARD_INDEX/CANOPY_SHARD_COUNT";
    return from_pair("CANOPY_SHARD_INDEX", "CANOPY_SHARD_COUNT", index, count, shard, error);
  }

  if (!number("JOB_COMPLETION_INDEX", index, has_index, error) || !number("JOB_COMPLETIONS", count, has_count, error))
    return false;
  if (has_index) {
    if (!has_count) {
      error = "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but JOB_COMPLETIONS is not: set it in the "
              "manifest to the job's completions";
      return false;
    }
    shard.source = "JOB_COMPLETION_INDEX/JOB_COMPLETIONS";
    return from_pair("JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", index, count, shard, error);
  }

  if (!number("SLURM_ARRAY_TASK_ID", index, has_index, error) || !number("SLURM_ARRAY_TASK_COUNT", count, has_count, error) ||
      !number("SLURM_ARRAY_TASK_MIN", low, has_low, error) || !number("SLURM_ARRAY_TASK_MAX", high, has_high, error))
    return false;
  if (has_index) {
    if (!has_low || !(has_count || has_high)) {
      error = "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (or _MAX) are not";
      return false;
    }
    if (has_high && high < low) {
      error = "SLURM_ARRAY_TASK_MAX is below SLURM_ARRAY_TASK_MIN";
      return false;
    }
    if (!has_count) count = high - low + 1;
    if (has_high && high - low + 1 != count) {
      error = "the Slurm array has a step or gaps (" + std::to_string(count) + " tasks from " + std::to_string(low) +
              " to " + std::to_string(high) + "): give it consecutive task ids, e.g. --array=0-" +
              std::to_string(count - 1);
      return false;
    }
    if (index < low) {
      error = "SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN";
      return false;
    }
    shard.source = "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT";
    return from_pair("SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", index - low, count, shard, error);
  }
  error = "--shard auto found no shard in the environment (CANOPY_SHARD_INDEX and CANOPY_SHARD_COUNT, "
          "JOB_COMPLETION_INDEX and JOB_COMPLETIONS, or SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and _COUNT)";
  return false;
}

}  // namespace canopy::cli
