#pragma once
// This computer as a JobHost: scripts run with bash here (wrapped exactly as on a cluster, so the same
// job scripts, status files and commands serve both), and "uploads" and "downloads" are local: a job of
// the "This computer" profile reads the user's file in place and writes its result beside it, so
// nothing is copied; for other paths (tests with a scratch directory of their own) files are copied,
// verified and renamed into place without ever replacing one.
#include "jobs/job_host.hpp"

#include <map>
#include <string>

namespace sluice::jobs {

class LocalHost final : public JobHost {
public:
    /// `environment`: variables set for every script on top of this process's own (tests put fake
    /// scheduler commands first on PATH this way).
    explicit LocalHost(ClusterProfile profile, std::map<std::string, std::string> environment = {});

    [[nodiscard]] const ClusterProfile& profile() const override { return profile_; }
    [[nodiscard]] Result<std::string> connect() override;
    [[nodiscard]] Result<remote::ScriptResult>
    run(std::string_view what, std::string_view script, const std::vector<std::string>& args = {},
        std::chrono::milliseconds timeout = std::chrono::minutes(2), std::stop_token cancel = {}) override;
    [[nodiscard]] Status upload_input(const JobRecord& job, const TransferHooks& hooks) override;
    [[nodiscard]] Result<std::string> download(const std::string& remote, const std::filesystem::path& local,
                                               const TransferHooks& hooks) override;

private:
    ClusterProfile profile_;
    std::map<std::string, std::string> environment_;
};

/// Run `script` (with "$1"... = `args`) in `bash -s` here; the result as a remote script's would be. A
/// timeout or a stop request ends the script's whole process group.
[[nodiscard]] Result<remote::ScriptResult>
run_local_script(std::string_view script, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& environment, std::chrono::milliseconds timeout,
                 const std::stop_token& cancel);

} // namespace sluice::jobs
