#pragma once
// Replace a file so that readers see either the old or the new content, never a torn one:
// temp file in the same directory, fsync, rename, fsync of the directory.
#include "util/error.hpp"

#include <filesystem>
#include <string_view>

namespace sluice {

[[nodiscard]] Status write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// rename(2) that never replaces: `to` must not exist (renameat2 RENAME_NOREPLACE, or link + unlink on
/// file systems without it). An existing `to` is ErrorKind::refused naming both files.
[[nodiscard]] Status rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

/// fsync a file or directory by path (used after renames so they survive a power cut).
[[nodiscard]] Status fsync_path(const std::filesystem::path& path);

} // namespace sluice
