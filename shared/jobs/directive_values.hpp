#pragma once
// Whitelists for values that land on #SBATCH / #PBS lines. Those lines are read by the scheduler, not
// by a shell, so quoting would not help: a value either matches its field's pattern or is refused.
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::jobs {

/// A value for an error message: control characters and non-ASCII bytes shown as escapes, cut at 80.
[[nodiscard]] std::string printable(std::string_view value);

/// `[A-Za-z0-9_.-]+` (account, partition/queue, qos), at most 64 characters.
[[nodiscard]] Status check_directive_word(std::string_view field, std::string_view value);

/// Sluice job ids: `[A-Za-z0-9_-]{1,64}`, so that they are safe in directories and job names.
[[nodiscard]] Status check_job_id(std::string_view value);

/// Shell variable names for `export NAME=...`: `[A-Za-z_][A-Za-z0-9_]*`.
[[nodiscard]] Status check_variable_name(std::string_view field, std::string_view value);

/// `H:MM:SS` (any number of hours) or `D-HH:MM:SS` → seconds (> 0).
[[nodiscard]] Result<std::chrono::seconds> parse_walltime(std::string_view value);
/// `D-HH:MM:SS` when a day or more, else `HH:MM:SS` (Slurm's --time).
[[nodiscard]] std::string format_slurm_time(std::chrono::seconds t);
/// `HH:MM:SS` with as many hour digits as needed (PBS walltime).
[[nodiscard]] std::string format_pbs_walltime(std::chrono::seconds t);

/// Memory per node: `\d+[KMGT]?`, no suffix meaning megabytes (Slurm's --mem convention).
struct Memory {
    std::uint64_t amount = 0;
    char unit = 'M'; ///< K, M, G or T
};
[[nodiscard]] Result<Memory> parse_memory(std::string_view value);
/// `8G` for Slurm's --mem.
[[nodiscard]] std::string format_slurm_memory(Memory m);
/// `8gb` for PBS size resources, times `factor` (Torque's mem is for the whole job).
[[nodiscard]] std::string format_pbs_memory(Memory m, std::uint64_t factor = 1);

/// 1 ≤ value ≤ max.
[[nodiscard]] Status check_count(std::string_view field, int value, int max);

} // namespace sluice::jobs
