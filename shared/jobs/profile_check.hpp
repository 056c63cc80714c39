#pragma once
// `sluice-cli profile test` and the profiles dialog's Test Connection: the same checks, one at a time, on
// the profile's host (docs/CLUSTER.md, "Profiles"). A cluster: log in, find sbatch/qsub, write into the
// scratch directory (and show its free space), start sluice-engine --version as a job would. This
// computer: the jobs directory, mpirun, the engine.
#include "jobs/job_host.hpp"
#include "util/error.hpp"

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

struct CheckLine {
    enum class Level {
        ok,      ///< a check passed
        detail,  ///< more about the check before (df's line)
        warning, ///< passed, but something is off (another engine version)
    };
    Level level = Level::ok;
    std::string text; ///< one line, no newline
};

/// What profile test found out about sluice-engine there.
enum class EngineFinding {
    not_checked, ///< an earlier check failed, or the test was cancelled
    found,       ///< this client's version
    missing,     ///< it did not start (not found, or a module or library missing)
    outdated,    ///< it started and said another version
};

struct ProfileCheck {
    std::vector<CheckLine> lines; ///< the passed checks, in order
    EngineFinding engine = EngineFinding::not_checked;
    std::string engine_version; ///< the first line the engine printed, when it started
    /// Why the test ended early (the failed check, or the login), with the check named; unset when all
    /// passed. A cancel is ErrorKind::cancelled.
    std::optional<Error> failure;
};

/// Every check in order on `host`, each line passed to `on_line` as soon as it is known. Stops at the
/// first failure and when `cancel` is requested (between checks; a running check's script is ended).
/// `client_version`: the engine version this client expects ("0.1.0").
[[nodiscard]] ProfileCheck check_profile(JobHost& host, std::string_view client_version,
                                         const std::function<void(const CheckLine&)>& on_line = {},
                                         std::stop_token cancel = {});

} // namespace sluice::jobs
