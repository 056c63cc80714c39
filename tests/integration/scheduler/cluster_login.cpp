#include "cluster_login.hpp"

#include "common/engine_cases.hpp"

#include <QProcess>
#include <fstream>
#include <pwd.h>
#include <unistd.h>

namespace sluice::test {
namespace fs = std::filesystem;
namespace {

constexpr const char* kWrapper = R"sh(#!/bin/sh
echo "$PPID $(date +%s.%N) $(basename "$0") $*" >>"$HOME/scheduler-calls.log"
exec "/usr/bin/$(basename "$0")" "$@"
)sh";

void chown_to(const fs::path& p, const passwd* pw) {
    if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot chown " + p.string());
}

} // namespace

ClusterLogin ClusterLogin::prepare(const TempDir& dir, const std::string& slurm_env) {
    ClusterLogin l;
    l.cluster = ClusterEnv::load();
    if (!l.cluster.unavailable.empty()) {
        l.unavailable = QString::fromStdString(l.cluster.unavailable);
        return l;
    }
    l.slurm = ClusterEnv::read_env_file(slurm_env);
    if (l.slurm.contains("SKIP"))
        l.unavailable = QString::fromStdString(l.slurm["SKIP"]);
    else if (!l.slurm.contains("SLURM_CONF"))
        l.unavailable = QString("no test Slurm (%1)").arg(slurm_env.c_str());
    if (!l.unavailable.isEmpty()) return l;

    // The cluster side.
    const auto* pw = ::getpwnam(l.cluster["SSH_USER"].c_str());
    if (!pw) throw std::runtime_error("no test user " + l.cluster["SSH_USER"]);
    l.user_home = pw->pw_dir;
    const auto bin = l.user_home / "sluice-test-bin";
    fs::create_directories(bin);
    for (const char* tool : {"sbatch", "squeue", "sacct", "scancel"}) {
        write_text(bin / tool, kWrapper);
        fs::permissions(bin / tool, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
    }
    l.engine = bin / "sluice-engine";
    fs::copy_file(engine_exe(), l.engine, fs::copy_options::overwrite_existing);
    write_text(l.user_home / ".bash_profile", "export SLURM_CONF='" + l.slurm["SLURM_CONF"] +
                                                  "'\nexport PATH=\"$HOME/sluice-test-bin:$PATH\"\n");
    fs::create_directories(l.user_home / "scratch");
    for (const auto& p : {bin, l.user_home / ".bash_profile", l.user_home / "scratch"})
        chown_to(p, pw);
    l.clear_scheduler_calls();

    // The client side.
    l.client_home = dir / "client home";
    fs::create_directories(l.client_home / ".ssh");
    write_text(l.client_home / ".ssh/config",
               "Host loop\n  HostName " + l.cluster["SSH_HOST"] + "\n  Port " + l.cluster["SSH_PORT"] +
                   "\n  User " + l.cluster["SSH_USER"] + "\n  IdentityFile " + l.cluster["SSH_KEY"] + "\n");
    write_text(l.client_home / ".ssh/known_hosts",
               known_hosts_line(l.cluster, l.cluster.port(), l.cluster["SSH_HOST_KEY_PUB"]));
    return l;
}

QProcessEnvironment ClusterLogin::client_environment() const {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", q(client_home));
    env.insert("XDG_CONFIG_HOME", q(client_home / ".config"));
    env.insert("XDG_DATA_HOME", q(client_home / ".local/share"));
    env.remove("SSH_AUTH_SOCK");
    env.remove("SLURM_CONF"); // only the cluster's login environment knows it
    return env;
}

jobs::ClusterProfile ClusterLogin::profile() const {
    jobs::ClusterProfile p;
    p.name = "loop";
    p.host = "loop";
    p.scratch_dir = (user_home / "scratch").string();
    p.resources.partition = "test";
    p.resources.tasks_per_node = 2;
    p.resources.walltime = "00:10:00";
    p.engine = {jobs::EngineCommand::Kind::path, engine.string()};
    p.environment = {"OMPI_MCA_btl_vader_single_copy_mechanism=none"};
    return p;
}

std::vector<std::string> ClusterLogin::scheduler_calls() const {
    std::ifstream in(user_home / "scheduler-calls.log");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    return lines;
}

void ClusterLogin::clear_scheduler_calls() const {
    std::error_code ec;
    fs::remove(user_home / "scheduler-calls.log", ec);
}

QString ClusterLogin::slurm_command(const QString& program, const QStringList& args) const {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("SLURM_CONF", QString::fromStdString(slurm.at("SLURM_CONF")));
    p.setProcessEnvironment(env);
    p.start(program, args);
    p.waitForFinished(60000);
    return QString::fromUtf8(p.readAllStandardOutput());
}

} // namespace sluice::test
