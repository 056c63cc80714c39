#pragma once
// Processes by pid on this host, and the temporaries a killed process leaves behind. Files that are
// built under a temporary name carry their writer's pid ("NAME.creating-PID"), so that whoever comes
// next can tell an abandoned one from one still being written.
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace sluice {

/// False only when the system says there is no such process (a pid we may not signal still exists).
[[nodiscard]] bool process_exists(std::int64_t pid);

/// Remove the files `dir`/`prefix`PID whose process no longer exists. Best effort: errors are ignored.
/// Returns how many were removed.
int remove_orphaned_temporaries(const std::filesystem::path& dir, std::string_view prefix);

} // namespace sluice
