#include "remote/remote_checksum.hpp"

#include "remote/remote_script.hpp"

#include <fmt/format.h>

namespace sluice::remote {

std::string_view sha256_shell_function() {
    return "sluice_sha256() {\n"
           "  if command -v sha256sum >/dev/null 2>&1; then sha256sum <\"$1\"\n"
           "  else openssl dgst -sha256 -r <\"$1\"; fi | cut -c1-64\n"
           "}\n";
}

Result<std::string> remote_sha256(Session& session, const std::string& path) {
    const std::string script = std::string(sha256_shell_function()) + "sluice_sha256 \"$1\"\n";
    auto r = run_script(session, script, {path});
    if (!r) return std::unexpected(r.error());
    std::string hex = r->out.substr(0, r->out.find('\n'));
    if (r->exit_status != 0 || hex.size() != 64)
        return fail(ErrorKind::io, fmt::format("cannot compute the SHA-256 of {} on {}: {}", path,
                                               session.peer(), r->err.empty() ? "no checksum tool" : r->err));
    return hex;
}

} // namespace sluice::remote
