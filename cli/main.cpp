// sluice-cli: Sluice's filter jobs from a terminal, here or on a cluster (DESIGN §7): profiles, submit,
// status, watch, cancel, fetch. Shares profiles.json and the JobStore with the desktop app.
#include "app.hpp"

#include <cstdio>
#include <exception>

// Errors are values everywhere; whatever still escapes ends the command with its reason and exit 1,
// never with an abort.
int main(int argc, char** argv) {
    try {
        return sluice::cli::run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sluice-cli: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "sluice-cli: internal error (unknown exception)\n");
    }
    return 1;
}
