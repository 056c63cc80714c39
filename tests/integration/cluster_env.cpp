#include "cluster_env.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sluice::test {

ClusterEnv ClusterEnv::load() {
    ClusterEnv env;
    std::ifstream in(SLUICE_CLUSTER_ENV);
    if (!in) {
        env.unavailable =
            "no test cluster: " + std::string(SLUICE_CLUSTER_ENV) + " is missing (did up.sh run?)";
        return env;
    }
    env.values = read_env_file(SLUICE_CLUSTER_ENV);
    if (auto skip = env.values.find("SKIP"); skip != env.values.end()) env.unavailable = skip->second;
    return env;
}

const std::string& ClusterEnv::operator[](const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) throw std::runtime_error("the test cluster's env has no " + key);
    return it->second;
}

std::string known_hosts_line(const ClusterEnv& env, int port, const std::filesystem::path& pub) {
    std::ifstream in(pub);
    std::string type, base64;
    in >> type >> base64;
    return "[" + env["SSH_HOST"] + "]:" + std::to_string(port) + " " + type + " " + base64 + "\n";
}

remote::SessionOptions isolated_options(const ClusterEnv& env, const TempDir& dir, int port,
                                        bool trust_host) {
    std::filesystem::create_directories(dir / "ssh");
    std::ofstream(dir / "ssh_config").flush();
    if (trust_host)
        std::ofstream(dir / "known_hosts") << known_hosts_line(env, port, env["SSH_HOST_KEY_PUB"]);
    remote::SessionOptions o;
    o.host = env["SSH_HOST"];
    o.port = port;
    o.user = env["SSH_USER"];
    o.ssh_dir = dir / "ssh";
    o.ssh_config = dir / "ssh_config";
    o.known_hosts = dir / "known_hosts";
    o.global_known_hosts = dir / "global_known_hosts";
    o.connect_timeout = std::chrono::seconds(20);
    o.auth_timeout = std::chrono::seconds(60);
    return o;
}

std::string command_output(const std::string& command) {
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run " + command);
    std::string out;
    char buf[256];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    ::pclose(p);
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

Result<remote::Session> key_session(const ClusterEnv& env, const TempDir& dir) {
    ::unsetenv("SSH_AUTH_SOCK");
    auto o = isolated_options(env, dir, env.port());
    o.identity_files = {env["SSH_KEY"]};
    return remote::Session::connect(o, {});
}

std::string byte_pattern(std::uint64_t size, unsigned seed) {
    std::string s(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

void write_bytes(const std::filesystem::path& p, std::string_view data) {
    std::ofstream(p, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace sluice::test
