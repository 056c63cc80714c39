#pragma once
// The test cluster's facts (tests/cluster/up.sh writes DIR/env) and SessionOptions that keep every test
// away from the real user's ~/.ssh: config, known_hosts and key directory all live in a TempDir.
#include "common/fixture_env.hpp"
#include "common/h5_fixtures.hpp"
#include "remote/session.hpp"
#include "remote/session_options.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace sluice::test {

struct ClusterEnv {
    std::map<std::string, std::string> values;
    /// Why the cluster is not available; empty when it is.
    std::string unavailable;

    [[nodiscard]] static ClusterEnv load();
    /// The value, or a std::runtime_error naming the missing key.
    [[nodiscard]] const std::string& operator[](const std::string& key) const;
    [[nodiscard]] int port(const std::string& key = "SSH_PORT") const { return std::stoi((*this)[key]); }
};

/// host/port/user of the cluster; ssh_config, ssh_dir and both known_hosts files inside `dir`.
/// With `trust_host`, known_hosts already holds the server's key.
[[nodiscard]] remote::SessionOptions isolated_options(const ClusterEnv& env, const TempDir& dir, int port,
                                                      bool trust_host = true);

/// A Session logged in with the test user's plain key (no agent: SSH_AUTH_SOCK is cleared), trusting
/// the server's key; ssh files inside `dir`.
[[nodiscard]] Result<remote::Session> key_session(const ClusterEnv& env, const TempDir& dir);

/// "[127.0.0.1]:port <type> <base64>" for the public key file `pub`.
[[nodiscard]] std::string known_hosts_line(const ClusterEnv& env, int port, const std::filesystem::path& pub);

/// `size` pseudo-random bytes (xorshift, fixed by `seed`): transfer payloads that no compression or
/// accidental match can make look right.
[[nodiscard]] std::string byte_pattern(std::uint64_t size, unsigned seed);
void write_bytes(const std::filesystem::path& p, std::string_view data);
[[nodiscard]] std::string read_bytes(const std::filesystem::path& p);

/// Output of a local command (e.g. `oathtool --totp`), trailing newline removed.
[[nodiscard]] std::string command_output(const std::string& command);

} // namespace sluice::test

/// In initTestCase: skip on a developer machine without the cluster, fail under CI=true.
#define SLUICE_REQUIRE_CLUSTER(env)                                                                          \
    do {                                                                                                     \
        if (!(env).unavailable.empty()) {                                                                    \
            if (sluice::test::fixtures_strict()) QFAIL((env).unavailable.c_str());                           \
            QSKIP((env).unavailable.c_str());                                                                \
        }                                                                                                    \
    } while (false)

/// In initTestCase, after SLUICE_REQUIRE_CLUSTER: a TempDir for the ssh files into `dir` (a
/// std::unique_ptr<TempDir>) and a Session logged in with the test user's key into `session` (a
/// std::optional<Session>).
#define SLUICE_KEY_SESSION(env, dir, session)                                                                \
    do {                                                                                                     \
        (dir) = std::make_unique<sluice::test::TempDir>();                                                   \
        auto logged_in = sluice::test::key_session((env), *(dir));                                           \
        QVERIFY2(logged_in.has_value(), logged_in ? "" : logged_in.error().message.c_str());                 \
        (session).emplace(std::move(*logged_in));                                                            \
    } while (false)
