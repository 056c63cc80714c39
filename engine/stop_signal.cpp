#include "stop_signal.hpp"

#include <csignal>
#include <initializer_list>

namespace sluice::engine {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) {
    g_signal = sig;
}

} // namespace

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; // keep blocking I/O going; the loop checks the flag between blocks
    for (int sig : {SIGUSR1, SIGTERM, SIGINT})
        sigaction(sig, &sa, nullptr);
}

bool stop_requested() {
    return g_signal != 0;
}
int stop_signal_number() {
    return g_signal;
}

} // namespace sluice::engine
