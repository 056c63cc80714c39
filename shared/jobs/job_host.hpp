#pragma once
// Where a profile's jobs run, as the job runner needs it: scripts run there, the input is put where the
// job reads it, the result is brought back. ClusterClient does it over SSH and SFTP; tests substitute a
// host that answers from captured scheduler output, so submitting and polling are tested without a
// cluster.
#include "jobs/job_store.hpp"
#include "jobs/profile.hpp"
#include "remote/remote_script.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

struct TransferHooks {
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
    std::stop_token cancel; ///< stops a transfer at its next chunk; what was sent is kept for resuming
};

class JobHost {
public:
    virtual ~JobHost() = default;

    [[nodiscard]] virtual const ClusterProfile& profile() const = 0;
    /// What the next login is for, in words ("to check 2 running jobs"): login questions say it.
    virtual void set_purpose(std::string /*why*/) {}
    /// The user cancelled a login question ("log in later"): nothing more is asked, every call fails at
    /// once, until allow_login().
    [[nodiscard]] virtual bool needs_login() const { return false; }
    virtual void allow_login() {}
    /// Log in if needed (asking the user only when the server demands it); "user@host:port" for messages.
    [[nodiscard]] virtual Result<std::string> connect() = 0;
    /// A POSIX script there (remote_script.hpp: values only as "$1", "$2", ...). A non-zero exit is an
    /// error quoting the script's first line of stderr. `cancel` ends the script and the wait.
    [[nodiscard]] virtual Result<remote::ScriptResult>
    run(std::string_view what, std::string_view script, const std::vector<std::string>& args = {},
        std::chrono::milliseconds timeout = std::chrono::minutes(2), std::stop_token cancel = {}) = 0;
    /// `job.local_input` at `job.remote_input`, verified against `job.input_sha256` (skipped when a
    /// verified copy is there already).
    [[nodiscard]] virtual Status upload_input(const JobRecord& job, const TransferHooks& hooks) = 0;
    /// `remote` to `local`, verified, never over an existing file; returns the SHA-256.
    [[nodiscard]] virtual Result<std::string>
    download(const std::string& remote, const std::filesystem::path& local, const TransferHooks& hooks) = 0;
};

} // namespace sluice::jobs
