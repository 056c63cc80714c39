#pragma once
// profiles.json: every cluster profile the user set up, shared by the GUI and sluice-cli. No secrets:
// passwords, if kept at all, live in the system keychain.
//
// {"format": "sluice-profiles", "version": 1, "profiles": [{"name": "...", "scheduler": "slurm", ...}]}
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

/// `$XDG_CONFIG_HOME/sluice/profiles.json`, `$HOME/.config/...` when XDG_CONFIG_HOME is unset or relative.
[[nodiscard]] Result<std::filesystem::path> default_profiles_path();

/// Parse and validate; errors name the profile and the field (unknown keys too).
[[nodiscard]] Result<std::vector<ClusterProfile>> parse_profiles(std::string_view json_text);
/// Validate (names unique) and serialise; the output parses back to the same profiles.
[[nodiscard]] Result<std::string> serialize_profiles(const std::vector<ClusterProfile>& profiles);

/// A missing file is an empty list; a broken one is an error naming the file.
[[nodiscard]] Result<std::vector<ClusterProfile>> load_profiles(const std::filesystem::path& file);
/// The site's profiles, which every user's profiles.json extends (docs/ADMIN.md):
/// $SLUICE_SITE_PROFILES when set, else /etc/sluice/profiles.json. Same format; maintained by the admin.
[[nodiscard]] std::filesystem::path site_profiles_path();
/// The site file's profiles; a missing file is an empty list, a broken one an error naming the file.
[[nodiscard]] Result<std::vector<ClusterProfile>> load_site_profiles();

/// The profile called `name` in `file`, else in the site's file, or the built-in "local" (this
/// computer); nullopt when there is none (each UI says how to add one). A user's profile of the same
/// name as a site profile replaces it.
[[nodiscard]] Result<std::optional<ClusterProfile>> load_profile(const std::filesystem::path& file,
                                                                 std::string_view name);
/// "local" (this computer) first, then the file's cluster profiles, then the site's that the file does
/// not replace: what a user can choose from.
[[nodiscard]] Result<std::vector<ClusterProfile>> all_profiles(const std::filesystem::path& file);
/// Validate, create the directory, replace the file atomically. The name "local" is refused.
[[nodiscard]] Status save_profiles(const std::filesystem::path& file,
                                   const std::vector<ClusterProfile>& profiles);

} // namespace sluice::jobs
