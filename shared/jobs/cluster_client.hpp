#pragma once
// A cluster as a JobHost: one SSH connection (remote::Session), logged in on first use and again after a
// drop, asking the user only if the server demands it. Scripts run on `bash -l -s`, the input goes up
// by SFTP (pipelined, resumable, SHA-256 verified on the server) and the result comes down the same way.
// Belongs to one thread, like the Session inside.
#include "jobs/job_host.hpp"
#include "remote/session.hpp"
#include "remote/session_options.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace sluice::jobs {

/// One login per user@host:port, shared by every profile that points there: the user answers 2FA once
/// per host and app run. Belongs to one thread, like the sessions in it.
class SessionPool {
public:
    struct Slot {
        std::optional<remote::Session> session;
        bool declined = false;        ///< a login was cancelled or refused: wait for the user
        std::string declined_because; ///< its error, for messages
        std::string why;              ///< what the login in progress is for
    };
    /// The slot for the profile's user@host:port (as the profile names them).
    [[nodiscard]] std::shared_ptr<Slot> slot(const ClusterProfile& profile);

private:
    std::map<std::string, std::shared_ptr<Slot>> slots_;
};

class ClusterClient final : public JobHost {
public:
    /// `slot`: a SessionPool's, to share the login with other profiles of the same host; none: its own.
    ClusterClient(ClusterProfile profile, remote::SessionOptions options, remote::SessionCallbacks callbacks,
                  std::shared_ptr<SessionPool::Slot> slot = {});
    /// With session_options_for(profile): the user's own OpenSSH files.
    ClusterClient(ClusterProfile profile, remote::SessionCallbacks callbacks,
                  std::shared_ptr<SessionPool::Slot> slot = {});
    ClusterClient(ClusterClient&&) noexcept;
    ClusterClient& operator=(ClusterClient&&) noexcept;
    ~ClusterClient() override;

    [[nodiscard]] const ClusterProfile& profile() const override { return profile_; }
    void set_purpose(std::string why) override;
    [[nodiscard]] bool needs_login() const override { return slot_->declined; }
    void allow_login() override { slot_->declined = false; }
    [[nodiscard]] Result<std::string> connect() override;
    [[nodiscard]] Result<remote::ScriptResult>
    run(std::string_view what, std::string_view script, const std::vector<std::string>& args = {},
        std::chrono::milliseconds timeout = std::chrono::minutes(2), std::stop_token cancel = {}) override;
    [[nodiscard]] Status upload_input(const JobRecord& job, const TransferHooks& hooks) override;
    [[nodiscard]] Result<std::string> download(const std::string& remote, const std::filesystem::path& local,
                                               const TransferHooks& hooks) override;

    /// The logged-in session, for what only SSH offers (profile test).
    [[nodiscard]] Result<remote::Session*> session();

private:
    ClusterProfile profile_;
    remote::SessionOptions options_;
    remote::SessionCallbacks callbacks_;
    std::shared_ptr<SessionPool::Slot> slot_;
    std::string purpose_;
};

/// Host, user and port of the profile; everything else from the user's OpenSSH files.
[[nodiscard]] remote::SessionOptions session_options_for(const ClusterProfile& profile);

} // namespace sluice::jobs
