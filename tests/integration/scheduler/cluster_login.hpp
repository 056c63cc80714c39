#pragma once
// The sshd fixture and a scheduler fixture (Slurm or OpenPBS) joined into one cluster as a user meets
// it: the sshd fixture's test user logs in with a key through a client HOME of its own (ssh config alias
// "loop", known_hosts), and its login environment reaches the test scheduler (SLURM_CONF or
// PBS_CONF_FILE) through wrappers that log every scheduler command with the remote script that ran it
// ("<script pid> <time> <name> <args>" in scheduler-calls.log). The engine is copied into the user's
// home, as a site install would put it on the cluster.
#include "cluster_env.hpp"
#include "jobs/profile.hpp"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sluice::test {

struct ClusterLogin {
    ClusterEnv cluster;
    jobs::Scheduler scheduler = jobs::Scheduler::slurm;
    std::map<std::string, std::string> scheduler_env; ///< the scheduler fixture's env file
    std::filesystem::path user_home;                  ///< the test user's home on the "cluster"
    std::filesystem::path engine;                     ///< sluice-engine there
    std::filesystem::path client_home;                ///< HOME for the client (ssh config, known_hosts)
    QString unavailable;                              ///< why the tests cannot run; empty when they can

    /// Prepares both sides under `dir`; `scheduler_env` is the scheduler fixture's env file
    /// (slurm_up.sh's slurm.env, pbs_up.sh's env).
    [[nodiscard]] static ClusterLogin prepare(const TempDir& dir, jobs::Scheduler scheduler,
                                              const std::string& scheduler_env);
    /// The environment a client runs in: HOME, XDG dirs in client_home, no agent, no scheduler config.
    [[nodiscard]] QProcessEnvironment client_environment() const;
    /// Profile "loop": the test partition or queue, 2 tasks, 10 minutes, the copied engine.
    [[nodiscard]] jobs::ClusterProfile profile() const;
    /// Like profile(), named `name`, through host alias "loop-pw": the same account by password, so
    /// that every login asks.
    [[nodiscard]] jobs::ClusterProfile password_profile(const std::string& name) const;
    [[nodiscard]] std::vector<std::string> scheduler_calls() const;
    void clear_scheduler_calls() const;
    /// The partition (Slurm) or queue (PBS) jobs go to.
    [[nodiscard]] std::string queue() const;
    /// Drain the node (Slurm) or mark it offline (PBS), so that jobs wait in the queue, or free it; true
    /// when the scheduler says it is so.
    [[nodiscard]] bool set_node_available(bool available) const;
    /// Run a scheduler command here as root against the test scheduler (scancel -b, squeue, qsig,
    /// qstat, qmgr); its stdout.
    [[nodiscard]] QString scheduler_command(const QString& program, const QStringList& args) const;
};

/// What a sluice-cli run printed and its exit code (-1 when it crashed or did not finish in time).
struct CliRun {
    int exit_code = -1;
    QString out;
    QString err;
};

/// Runs the sluice-cli at `cli` with `args` in the client environment `env` (client_environment(), say),
/// killed after `timeout_ms`.
[[nodiscard]] CliRun run_cli(const std::string& cli, const QProcessEnvironment& env, const QStringList& args,
                             int timeout_ms);

} // namespace sluice::test

/// In initTestCase: skip on a developer machine without the fixtures, fail under CI=true.
#define SLUICE_REQUIRE_CLUSTER_LOGIN(login)                                                                  \
    do {                                                                                                     \
        if (!(login).unavailable.isEmpty()) {                                                                \
            if (sluice::test::fixtures_strict()) QFAIL(qPrintable((login).unavailable));                     \
            QSKIP(qPrintable((login).unavailable));                                                          \
        }                                                                                                    \
    } while (false)
