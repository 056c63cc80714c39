#pragma once
// Both test fixtures joined into one cluster as a user meets it: the sshd fixture's test user logs in
// with a key through a client HOME of its own (ssh config alias "loop", known_hosts), and its login
// environment reaches the test Slurm (SLURM_CONF) through wrappers that log every scheduler command
// with the remote script that ran it ("<script pid> <time> <name> <args>" in scheduler-calls.log).
// The engine is copied into the user's home, as a site install would put it on the cluster.
#include "cluster_env.hpp"
#include "jobs/profile.hpp"

#include <QProcessEnvironment>
#include <QString>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sluice::test {

struct ClusterLogin {
    ClusterEnv cluster;
    std::map<std::string, std::string> slurm; ///< slurm.env of the Slurm fixture
    std::filesystem::path user_home;          ///< the test user's home on the "cluster"
    std::filesystem::path engine;             ///< sluice-engine there
    std::filesystem::path client_home;        ///< HOME for the client (ssh config, known_hosts)
    QString unavailable;                      ///< why the tests cannot run; empty when they can

    /// Prepares both sides under `dir`; `slurm_env` is the Slurm fixture's slurm.env.
    [[nodiscard]] static ClusterLogin prepare(const TempDir& dir, const std::string& slurm_env);
    /// The environment a client runs in: HOME, XDG dirs in client_home, no agent, no SLURM_CONF.
    [[nodiscard]] QProcessEnvironment client_environment() const;
    /// Profile "loop": the test partition, 2 tasks, 10 minutes, the copied engine.
    [[nodiscard]] jobs::ClusterProfile profile() const;
    [[nodiscard]] std::vector<std::string> scheduler_calls() const;
    void clear_scheduler_calls() const;
    /// Run a Slurm command here as root against the test Slurm (scancel -b, squeue); its stdout.
    [[nodiscard]] QString slurm_command(const QString& program, const QStringList& args) const;
};

} // namespace sluice::test

/// In initTestCase: skip on a developer machine without the fixtures, fail under CI=true.
#define SLUICE_REQUIRE_CLUSTER_LOGIN(login)                                                                  \
    do {                                                                                                     \
        if (!(login).unavailable.isEmpty()) {                                                                \
            if (sluice::test::ClusterEnv::strict()) QFAIL(qPrintable((login).unavailable));                  \
            QSKIP(qPrintable((login).unavailable));                                                          \
        }                                                                                                    \
    } while (false)
