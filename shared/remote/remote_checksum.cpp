#include "remote/remote_checksum.hpp"

#include "remote/remote_script.hpp"

#include <fmt/format.h>
#include <optional>

namespace sluice::remote {

// OpenSSL first: it uses the CPU's SHA instructions, which coreutils' sha256sum does not (1 GB: 0.7 s
// against 2.4 s of CPU on the benchmark machine), and the server hashes every upload once more.
std::string_view sha256_shell_function() {
    return "sluice_sha256() {\n"
           "  if command -v openssl >/dev/null 2>&1 && openssl dgst -sha256 -r <\"$1\" 2>/dev/null; then :\n"
           "  else sha256sum <\"$1\"; fi | cut -c1-64\n"
           "}\n";
}

namespace {

std::string sha256_script() {
    return std::string(sha256_shell_function()) + "sluice_sha256 \"$1\"\n";
}

/// The digest from the script's output, or nullopt.
std::optional<std::string> parse_digest(const ScriptResult& r) {
    std::string hex = r.out.substr(0, r.out.find('\n'));
    if (r.exit_status != 0 || hex.size() != 64) return std::nullopt;
    return hex;
}

} // namespace

std::chrono::milliseconds sha256_time_limit(std::uint64_t bytes) {
    return RunLimits{}.timeout + std::chrono::seconds(bytes / 20'000'000);
}

Result<std::string> remote_sha256(Session& session, const std::string& path, const RunLimits& limits) {
    auto r = run_script(session, sha256_script(), {path}, limits, Shell::plain);
    if (!r) return propagate(r);
    if (auto hex = parse_digest(*r)) return *hex;
    return fail(ErrorKind::io, fmt::format("cannot compute the SHA-256 of {} on {}: {}", path, session.peer(),
                                           r->err.empty() ? "no checksum tool" : r->err));
}

Result<RemoteScript> start_remote_sha256(Session& session, const std::string& path) {
    return RemoteScript::start(session, sha256_script(), {path}, Shell::plain);
}

Result<std::string> finish_remote_sha256(Session& session, RemoteScript& started, const std::string& path,
                                         const RunLimits& limits) {
    auto r = started.wait(limits);
    if (!r) return propagate(r);
    if (auto hex = parse_digest(*r)) return *hex;
    // Asking again goes through run_script, which knows the shell fallback and words the error.
    return remote_sha256(session, path, limits);
}

} // namespace sluice::remote
