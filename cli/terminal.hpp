#pragma once
// Login questions asked on the controlling terminal (/dev/tty), so that sluice-cli's stdout stays clean
// for --json and pipes. Without a terminal every question is answered "no": unknown host keys are
// refused and only the agent and unencrypted keys can log in.
#include "remote/session_options.hpp"

namespace sluice::cli {

[[nodiscard]] remote::SessionCallbacks terminal_callbacks();

} // namespace sluice::cli
