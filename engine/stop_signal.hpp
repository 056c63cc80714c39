#pragma once
// SIGUSR1/SIGTERM/SIGINT ask for a clean stop: the current block finishes, is flushed, and the engine
// exits 3 (resumable). The handler only sets a flag; the block loop polls it.
namespace sluice::engine {

void install_stop_handlers();
[[nodiscard]] bool stop_requested();
[[nodiscard]] int stop_signal_number(); ///< the signal that asked, 0 if none

} // namespace sluice::engine
