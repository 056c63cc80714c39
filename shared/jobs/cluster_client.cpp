#include "jobs/cluster_client.hpp"

#include "remote/sftp_download.hpp"
#include "remote/sftp_upload.hpp"
#include "util/text.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace sluice::jobs {
namespace {} // namespace

std::shared_ptr<SessionPool::Slot> SessionPool::slot(const ClusterProfile& p) {
    auto& s = slots_[fmt::format("{}@{}:{}", p.user, p.host, p.port.value_or(22))];
    if (!s) s = std::make_shared<Slot>();
    return s;
}

namespace {

// The user's callbacks, each question told what the login is for. The session keeps its callbacks and
// the slot keeps the session: the slot is held weakly, or neither would ever be freed.
remote::SessionCallbacks with_purpose(remote::SessionCallbacks inner,
                                      const std::shared_ptr<SessionPool::Slot>& slot) {
    const std::weak_ptr<SessionPool::Slot> weak = slot;
    const auto why = [weak] {
        const auto s = weak.lock();
        return s ? s->why : std::string();
    };
    remote::SessionCallbacks cb = inner;
    if (inner.accept_host_key)
        cb.accept_host_key = [inner, why](const remote::UnknownHostKey& key) {
            auto k = key;
            k.why = why();
            return inner.accept_host_key(k);
        };
    if (inner.keyboard_interactive)
        cb.keyboard_interactive = [inner, why](const remote::KbdIntRound& round) {
            auto r = round;
            r.why = why();
            return inner.keyboard_interactive(r);
        };
    if (inner.password)
        cb.password = [inner, why](const std::string& who, int attempt) {
            const auto w = why();
            return inner.password(w.empty() ? who : fmt::format("{} — {}", who, w), attempt);
        };
    return cb;
}

} // namespace

ClusterClient::ClusterClient(ClusterProfile profile, remote::SessionOptions options,
                             remote::SessionCallbacks callbacks, std::shared_ptr<SessionPool::Slot> slot)
    : profile_(std::move(profile)), options_(std::move(options)),
      slot_(slot ? std::move(slot) : std::make_shared<SessionPool::Slot>()) {
    callbacks_ = with_purpose(std::move(callbacks), slot_);
}
ClusterClient::ClusterClient(ClusterProfile profile, remote::SessionCallbacks callbacks,
                             std::shared_ptr<SessionPool::Slot> slot)
    : ClusterClient(profile, session_options_for(profile), std::move(callbacks), std::move(slot)) {}
ClusterClient::ClusterClient(ClusterClient&&) noexcept = default;
ClusterClient& ClusterClient::operator=(ClusterClient&&) noexcept = default;
ClusterClient::~ClusterClient() = default;

void ClusterClient::set_purpose(std::string why) {
    purpose_ = std::move(why);
}

Result<remote::Session*> ClusterClient::session() {
    const auto context = [&](const Error& e) {
        return e.context(fmt::format("cluster '{}'", profile_.name));
    };
    // Cancelled questions are not asked again by themselves: the user logs in when they choose to.
    if (slot_->declined)
        return fail(ErrorKind::cancelled,
                    fmt::format("cluster '{}' needs a login: the last login was cancelled or refused ({}); "
                                "log in to go on",
                                profile_.name, slot_->declined_because));
    slot_->why = purpose_.empty() ? fmt::format("for profile {}", profile_.name)
                                  : fmt::format("{} (profile {})", purpose_, profile_.name);
    Status st;
    if (!slot_->session) {
        auto s = remote::Session::connect(options_, callbacks_);
        if (s)
            slot_->session.emplace(std::move(*s));
        else
            st = std::unexpected(s.error());
    } else if (!slot_->session->connected()) {
        st = slot_->session->ensure_connected();
    }
    if (!st) {
        // Cancelled, refused answers or an untrusted host key: asking again by itself every few seconds
        // would only nag. A network failure is different: the next round tries again.
        if (const auto k = st.error().kind;
            k == ErrorKind::cancelled || k == ErrorKind::bad_input || k == ErrorKind::refused) {
            slot_->declined = true;
            slot_->declined_because = st.error().message;
        }
        return std::unexpected(context(st.error()));
    }
    return &*slot_->session;
}

Result<std::string> ClusterClient::connect() {
    auto s = session();
    if (!s) return propagate(s);
    return (*s)->peer();
}

Result<remote::ScriptResult> ClusterClient::run(std::string_view what, std::string_view script,
                                                const std::vector<std::string>& args,
                                                std::chrono::milliseconds timeout, std::stop_token cancel) {
    auto s = session();
    if (!s) return propagate(s);
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
    if (!s) return propagate(s);
    remote::UploadOptions up;
    up.known_sha256 = job.input_sha256;
    up.cancel = hooks.cancel;
    up.progress = hooks.progress;
    up.streams = profile_.transfer_streams;
    auto uploaded = remote::upload_file(**s, job.local_input, job.remote_input, up);
    if (!uploaded) return propagate(uploaded);
    if (uploaded->sha256 != job.input_sha256)
        return fail(ErrorKind::refused,
                    fmt::format("{} changed while it was uploaded; submit it again", job.local_input));
    return {};
}

Result<std::string> ClusterClient::download(const std::string& remote, const std::filesystem::path& local,
                                            const TransferHooks& hooks) {
    auto s = session();
    if (!s) return propagate(s);
    remote::DownloadOptions down;
    down.cancel = hooks.cancel;
    down.progress = hooks.progress;
    down.streams = profile_.transfer_streams;
    auto got = remote::download_file(**s, remote, local, down);
    if (!got) return propagate(got);
    return got->sha256;
}

remote::SessionOptions session_options_for(const ClusterProfile& profile) {
    remote::SessionOptions o;
    o.host = profile.host;
    o.port = profile.port;
    if (!profile.user.empty()) o.user = profile.user;
    // $HOME decides, as for every other desktop program (libssh alone would ask the password database).
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        o.ssh_dir = std::filesystem::path(home) / ".ssh";
    return o;
}

} // namespace sluice::jobs
