#pragma once
// `sluice-cli engine deploy` and the profiles dialog's Deploy Engine…: build this client's engine ON a
// cluster, from the source archive shipped with the client, against the cluster's own MPI, parallel
// HDF5 and FFTW, install it with its modulefile (docs/ADMIN.md, "Users deploy it themselves"). The test
// job after it is jobs/deploy_test.hpp's (submitted and followed like every job).
#include "jobs/cluster_client.hpp"
#include "jobs/profile_check.hpp"
#include "util/error.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace sluice::jobs {

struct DeployOptions {
    std::vector<std::string> build_modules; ///< `module` commands for the build only (cmake, gcc)
    std::string prefix;                     ///< empty: ~/.local/share/sluice/engine/<version> there
    int jobs = 4;                           ///< parallel compiles on the login node
    int time_limit_minutes = 30;
    bool force = false; ///< rebuild even when the same version is installed
    /// Build in a short batch job instead of on the login node; unset: as the profile's deploy_in_job says.
    std::optional<bool> in_job;
    std::chrono::seconds poll_interval{10}; ///< how often a build job is looked at
};

struct DeployResult {
    std::string install; ///< the prefix there
    std::string engine;  ///< <install>/bin/sluice-engine
    bool built = false;  ///< false: this version was there already
};

/// What can be refused before logging in (the prefix's form).
[[nodiscard]] Status check_deploy_options(const DeployOptions& options);

/// The engine's source archive: $SLUICE_ENGINE_SOURCE, beside the installed program, or this build tree.
[[nodiscard]] Result<std::filesystem::path> engine_source_archive();

/// Looks for `version` under the prefix, checks the build tools (stopping with what to load), uploads
/// `archive` (resumable, verified), builds and installs. Each step's line goes to `on_line`; `cancel`
/// ends the running step's script or upload. Does not change the profile (record_deployed_engine).
[[nodiscard]] Result<DeployResult> deploy_engine(ClusterClient& cluster, const std::filesystem::path& archive,
                                                 std::string_view version, const DeployOptions& options,
                                                 const std::function<void(const CheckLine&)>& on_line = {},
                                                 std::stop_token cancel = {});

/// The profile's jobs run `engine` from now on: its path is written into `profiles_file`; a site
/// profile gets a copy there first, which then replaces the site's for this user.
[[nodiscard]] Status record_deployed_engine(const std::filesystem::path& profiles_file,
                                            const std::string& profile_name, const std::string& engine);

} // namespace sluice::jobs
