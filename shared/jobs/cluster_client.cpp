#include "jobs/cluster_client.hpp"

#include "remote/sftp_download.hpp"
#include "remote/sftp_upload.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace sluice::jobs {
namespace {

std::string first_line(std::string_view text) {
    const auto nl = text.find('\n');
    return std::string(text.substr(0, nl));
}

} // namespace

ClusterClient::ClusterClient(ClusterProfile profile, remote::SessionOptions options,
                             remote::SessionCallbacks callbacks)
    : profile_(std::move(profile)), options_(std::move(options)), callbacks_(std::move(callbacks)) {}
ClusterClient::ClusterClient(ClusterProfile profile, remote::SessionCallbacks callbacks)
    : ClusterClient(profile, session_options_for(profile), std::move(callbacks)) {}
ClusterClient::ClusterClient(ClusterClient&&) noexcept = default;
ClusterClient& ClusterClient::operator=(ClusterClient&&) noexcept = default;
ClusterClient::~ClusterClient() = default;

Result<remote::Session*> ClusterClient::session() {
    if (!session_) {
        auto s = remote::Session::connect(options_, callbacks_);
        if (!s) return std::unexpected(s.error().context(fmt::format("cluster '{}'", profile_.name)));
        session_.emplace(std::move(*s));
    } else if (!session_->connected()) {
        if (auto st = session_->ensure_connected(); !st)
            return std::unexpected(st.error().context(fmt::format("cluster '{}'", profile_.name)));
    }
    return &*session_;
}

Result<std::string> ClusterClient::connect() {
    auto s = session();
    if (!s) return std::unexpected(s.error());
    return (*s)->peer();
}

Result<remote::ScriptResult> ClusterClient::run(std::string_view what, std::string_view script,
                                                const std::vector<std::string>& args,
                                                std::chrono::milliseconds timeout, std::stop_token cancel) {
    auto s = session();
    if (!s) return std::unexpected(s.error());
    remote::RunLimits limits;
    limits.timeout = timeout;
    limits.cancel = std::move(cancel);
    auto r = remote::run_script(**s, script, args, limits);
    if (!r) return std::unexpected(r.error().context(fmt::format("{} on {}", what, (*s)->peer())));
    if (r->exit_status != 0)
        return fail(ErrorKind::io, fmt::format("{} on {} failed (exit {}): {}", what, (*s)->peer(),
                                               r->exit_status, first_line(r->err.empty() ? r->out : r->err)));
    return r;
}

Status ClusterClient::upload_input(const JobRecord& job, const TransferHooks& hooks) {
    auto s = session();
    if (!s) return std::unexpected(s.error());
    remote::UploadOptions up;
    up.known_sha256 = job.input_sha256;
    up.cancel = hooks.cancel;
    up.progress = hooks.progress;
    auto uploaded = remote::upload_file(**s, job.local_input, job.remote_input, up);
    if (!uploaded) return std::unexpected(uploaded.error());
    if (uploaded->sha256 != job.input_sha256)
        return fail(ErrorKind::refused,
                    fmt::format("{} changed while it was uploaded; submit it again", job.local_input));
    return {};
}

Result<std::string> ClusterClient::download(const std::string& remote, const std::filesystem::path& local,
                                            const TransferHooks& hooks) {
    auto s = session();
    if (!s) return std::unexpected(s.error());
    remote::DownloadOptions down;
    down.cancel = hooks.cancel;
    down.progress = hooks.progress;
    auto got = remote::download_file(**s, remote, local, down);
    if (!got) return std::unexpected(got.error());
    return got->sha256;
}

remote::SessionOptions session_options_for(const ClusterProfile& profile) {
    remote::SessionOptions o;
    o.host = profile.host;
    o.port = profile.port;
    if (!profile.user.empty()) o.user = profile.user;
    // $HOME decides, as for every other desktop program (libssh alone would ask the password database).
    if (const char* home = std::getenv("HOME"); home && *home == '/') o.ssh_dir = std::filesystem::path(home) / ".ssh";
    return o;
}

} // namespace sluice::jobs
