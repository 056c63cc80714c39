#pragma once
// A profile's own additions to every job script (docs/CLUSTER.md, "Script additions"): extra scheduler
// directives, checked against a whitelist per scheduler like every other directive value, and prologue
// lines, the user's own shell commands, each run by `eval` of one quoted word so that no line can change
// the structure of the script around it.
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <string>
#include <string_view>

namespace sluice::jobs {

/// Most extra directives and prologue lines a profile may have, and the longest of each.
inline constexpr std::size_t max_script_additions = 64;
inline constexpr std::size_t max_extra_directive_length = 200;
inline constexpr std::size_t max_prologue_line_length = 1000;

/// One extra directive as written without its prefix: Slurm `--option` or `--option=value`; PBS and
/// Torque `-l resource=value` or `-m`, `-M`, `-P`, `-W group_list=` with one value. Options Sluice sets
/// itself (job name, nodes, tasks, time, signal, account, partition, QoS, memory, output) are refused
/// with the profile field to use instead; values are `[A-Za-z0-9_.,:=+@/-]` (Slurm also `&|`).
[[nodiscard]] Status check_extra_directive(Scheduler scheduler, std::string_view directive);

/// One prologue line: not blank, one line (no control character but tab), at most
/// max_prologue_line_length bytes. What it runs is the user's business; it cannot break the script.
[[nodiscard]] Status check_prologue_line(std::string_view line);

/// Both lists of the profile, each entry named by its index ("extra_directives[1]: ...").
[[nodiscard]] Status check_script_additions(const ClusterProfile& profile);

/// `#SBATCH <d>` / `#PBS <d>` for each extra directive (validated first).
[[nodiscard]] std::string extra_directive_lines(const ClusterProfile& profile);

/// The prologue: `eval '<line>'` for each line, between `set +u` and `set -u` (module functions trip
/// over unset variables); empty without prologue lines.
[[nodiscard]] std::string prologue_lines(const ClusterProfile& profile);

} // namespace sluice::jobs
