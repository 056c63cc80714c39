// One upload or download with Sluice's upload_file / download_file against the test cluster's sshd
// (tests/cluster/up.sh DIR). Prints JSON: whole-call seconds, and the seconds of the data phase alone
// (first to last progress report; excludes the server's SHA-256, directory set-up and the final fsync),
// which is what OpenSSH's sftp and scp do.
//   bench_transfer DIR/env up LOCAL REMOTE
//   bench_transfer DIR/env down REMOTE LOCAL
// SLUICE_BENCH_STREAMS=N fixes the parallel SFTP streams (as a profile's transfer_streams; default 0:
// chosen by the transfer).
#include "remote/session.hpp"
#include "remote/sftp_download.hpp"
#include "remote/sftp_upload.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <libssh/libssh.h>
#include <map>
#include <string>
#include <unistd.h>

using namespace sluice;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> read_env(const std::string& path) {
    std::map<std::string, std::string> env;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (auto eq = line.find('='); eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    return env;
}

/// First and last progress report, and the bytes done at the first one.
struct Phase {
    Clock::time_point first, last;
    std::uint64_t first_done = 0, total = 0;
    void report(std::uint64_t done, std::uint64_t all) {
        const auto now = Clock::now();
        if (first_done == 0) first = now, first_done = done;
        last = now, total = all;
    }
    [[nodiscard]] double seconds_for_all() const {
        // The first report comes after its first request: scale the measured span to every byte.
        const double span = std::chrono::duration<double>(last - first).count();
        return total > first_done
                   ? span * static_cast<double>(total) / static_cast<double>(total - first_done)
                   : span;
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 5 || (std::string(argv[2]) != "up" && std::string(argv[2]) != "down")) {
        std::fprintf(stderr, "usage: bench_transfer ENV up LOCAL REMOTE | ENV down REMOTE LOCAL\n");
        return 2;
    }
    auto env = read_env(argv[1]);
    const auto scratch =
        std::filesystem::temp_directory_path() / ("bench-transfer-" + std::to_string(::getpid()));
    std::filesystem::create_directories(scratch / "ssh");
    std::ofstream(scratch / "ssh_config").flush();

    remote::SessionOptions o;
    o.host = env["SSH_HOST"];
    o.port = std::stoi(env["SSH_PORT"]);
    o.user = env["SSH_USER"];
    o.identity_files = {env["SSH_KEY"]};
    o.ssh_dir = scratch / "ssh";
    o.ssh_config = scratch / "ssh_config";
    o.known_hosts = scratch / "known_hosts";
    o.global_known_hosts = scratch / "global_known_hosts";
    remote::SessionCallbacks callbacks;
    callbacks.accept_host_key = [](const remote::UnknownHostKey&) { return true; }; // our own test server
    ::unsetenv("SSH_AUTH_SOCK");
    auto session = remote::Session::connect(o, callbacks);
    std::filesystem::remove_all(scratch);
    if (!session) {
        std::fprintf(stderr, "bench_transfer: %s\n", session.error().message.c_str());
        return 1;
    }

    Phase phase;
    auto progress = [&](std::uint64_t done, std::uint64_t total) { phase.report(done, total); };
    const auto t0 = Clock::now();
    std::uint64_t bytes = 0;
    int streams = 0;
    const char* streams_env = std::getenv("SLUICE_BENCH_STREAMS");
    const int requested_streams = streams_env ? std::atoi(streams_env) : 0;
    std::string error;
    if (std::string(argv[2]) == "up") {
        remote::UploadOptions options;
        options.progress = progress;
        options.streams = requested_streams;
        auto r = remote::upload_file(*session, argv[3], argv[4], options);
        if (r)
            bytes = r->sent, streams = r->streams;
        else
            error = r.error().message;
    } else {
        remote::DownloadOptions options;
        options.progress = progress;
        options.streams = requested_streams;
        auto r = remote::download_file(*session, argv[3], argv[4], options);
        if (r)
            bytes = r->received, streams = r->streams;
        else
            error = r.error().message;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!error.empty()) {
        std::fprintf(stderr, "bench_transfer: %s\n", error.c_str());
        return 1;
    }
    const char* cipher = ssh_get_cipher_out(session->raw());
    std::printf("{\"bytes\": %llu, \"seconds\": %.4f, \"transfer_seconds\": %.4f, \"cipher\": \"%s\", "
                "\"streams\": %d}\n",
                static_cast<unsigned long long>(bytes), seconds, phase.seconds_for_all(),
                cipher ? cipher : "?", streams);
    return 0;
}
