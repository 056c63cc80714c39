#pragma once
// Client authentication in OpenSSH's order: agent, key files, keyboard-interactive, password.
#include "remote/session_options.hpp"
#include "remote/ssh_handles.hpp"
#include "util/error.hpp"

#include <string>

namespace sluice::remote {

/// Authenticate a connected session whose host key was verified. `peer` names it in messages.
/// Partial success (servers that require two methods) continues with the next method the server offers.
[[nodiscard]] Status authenticate(ssh_session session, const SessionOptions& options,
                                  const SessionCallbacks& callbacks, const std::string& peer);

} // namespace sluice::remote
