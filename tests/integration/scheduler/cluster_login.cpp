#include "cluster_login.hpp"

#include "common/engine_cases.hpp"

#include <QProcess>
#include <fmt/format.h>
#include <fstream>
#include <pwd.h>
#include <unistd.h>

namespace sluice::test {
namespace fs = std::filesystem;
namespace {

// The fixtures' paths hold no single quote. While $HOME/scheduler-hold exists, commands wait (after being
// logged), as on a cluster whose controller does not answer.
std::string wrapper(const fs::path& tools) {
    return "#!/bin/sh\n"
           "echo \"$PPID $(date +%s.%N) $(basename \"$0\") $*\" >>\"$HOME/scheduler-calls.log\"\n"
           "while [ -e \"$HOME/scheduler-hold\" ]; do sleep 0.1; done\n"
           "exec '" +
           tools.string() + "'/\"$(basename \"$0\")\" \"$@\"\n";
}

struct SchedulerTools {
    const char* config_variable; ///< what the fixture's env file and the login environment set
    std::vector<const char*> wrapped;
};

SchedulerTools tools_of(jobs::Scheduler s) {
    if (s == jobs::Scheduler::slurm) return {"SLURM_CONF", {"sbatch", "squeue", "sacct", "scancel"}};
    return {"PBS_CONF_FILE", {"qsub", "qstat", "qdel", "qsig"}};
}

// Where the scheduler's commands are installed: Debian's Slurm in /usr/bin, the test OpenPBS in its
// build cache.
fs::path tool_directory(jobs::Scheduler s, const std::map<std::string, std::string>& env) {
    if (s == jobs::Scheduler::slurm) return "/usr/bin";
    return fs::path(env.at("PBS_EXEC")) / "bin";
}

void chown_to(const fs::path& p, const passwd* pw) {
    if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot chown " + p.string());
}

} // namespace

ClusterLogin ClusterLogin::prepare(const TempDir& dir, jobs::Scheduler scheduler,
                                   const std::string& scheduler_env) {
    ClusterLogin l;
    l.scheduler = scheduler;
    l.cluster = ClusterEnv::load();
    if (!l.cluster.unavailable.empty()) {
        l.unavailable = QString::fromStdString(l.cluster.unavailable);
        return l;
    }
    const auto tools = tools_of(scheduler);
    l.scheduler_env = read_env_file(scheduler_env);
    l.unavailable = QString::fromStdString(env_file_unavailable(
        l.scheduler_env, scheduler_env, tools.config_variable, std::string(jobs::to_string(scheduler))));
    if (!l.unavailable.isEmpty()) return l;

    // The cluster side.
    const auto* pw = ::getpwnam(l.cluster["SSH_USER"].c_str());
    if (!pw) throw std::runtime_error("no test user " + l.cluster["SSH_USER"]);
    l.user_home = pw->pw_dir;
    const auto bin = l.user_home / "sluice-test-bin";
    fs::create_directories(bin);
    const auto wrapped = wrapper(tool_directory(scheduler, l.scheduler_env));
    for (const char* tool : tools.wrapped) {
        write_text(bin / tool, wrapped);
        fs::permissions(bin / tool, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
    }
    l.engine = bin / "sluice-engine";
    fs::copy_file(engine_exe(), l.engine, fs::copy_options::overwrite_existing);
    write_text(l.user_home / ".bash_profile",
               fmt::format("export {0}='{1}'\nexport PATH=\"$HOME/sluice-test-bin:$PATH\"\n",
                           tools.config_variable, l.scheduler_env[tools.config_variable]));
    // Each test starts with an empty scratch: a verified upload left by another test (or by the same
    // test for the other scheduler) would be reused instead of uploaded.
    fs::remove_all(l.user_home / "scratch");
    fs::create_directories(l.user_home / "scratch");
    for (const auto& p : {bin, l.user_home / ".bash_profile", l.user_home / "scratch"})
        chown_to(p, pw);
    l.clear_scheduler_calls();

    // The client side.
    l.client_home = dir / "client home";
    fs::create_directories(l.client_home / ".ssh");
    write_text(l.client_home / ".ssh/config",
               "Host loop\n  HostName " + l.cluster["SSH_HOST"] + "\n  Port " + l.cluster["SSH_PORT"] +
                   "\n  User " + l.cluster["SSH_USER"] + "\n  IdentityFile " + l.cluster["SSH_KEY"] + "\n" +
                   // The same account through its password: a login that asks.
                   "Host loop-pw\n  HostName " + l.cluster["SSH_HOST"] + "\n  Port " + l.cluster["SSH_PORT"] +
                   "\n  User " + l.cluster["SSH_USER"] + "\n  PubkeyAuthentication no\n");
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
    // Only the cluster's login environment knows them.
    env.remove("SLURM_CONF");
    env.remove("PBS_CONF_FILE");
    return env;
}

jobs::ClusterProfile ClusterLogin::profile() const {
    jobs::ClusterProfile p;
    p.name = "loop";
    p.host = "loop";
    p.scheduler = scheduler;
    p.scratch_dir = (user_home / "scratch").string();
    p.resources.partition = queue();
    p.resources.tasks_per_node = 2;
    p.resources.walltime = "00:10:00";
    p.engine = {jobs::EngineCommand::Kind::path, engine.string()};
    p.environment = {"OMPI_MCA_btl_vader_single_copy_mechanism=none"};
    return p;
}

bool ClusterLogin::set_node_available(bool available) const {
    if (scheduler == jobs::Scheduler::slurm) {
        const auto node = scheduler_env.at("SLURM_NODE");
        (void)scheduler_command("scontrol",
                                {"update", QString::fromStdString("NodeName=" + node),
                                 available ? "State=RESUME" : "State=DRAIN", "Reason=sluice-test"});
        const auto state =
            scheduler_command("sinfo", {"-h", "-N", "-n", QString::fromStdString(node), "-o", "%T"});
        return available ? !state.contains("drain") : state.contains("drain");
    }
    const auto node = QString::fromStdString(scheduler_env.at("PBS_NODE"));
    (void)scheduler_command("pbsnodes", {available ? "-r" : "-o", node});
    // A freed node alone starts no scheduling cycle (the next one may be minutes away); this does.
    if (available) (void)scheduler_command("qmgr", {"-c", "set server scheduling = True"});
    const auto state = scheduler_command("pbsnodes", {"-v", node});
    return available ? !state.contains("offline") : state.contains("offline");
}

jobs::ClusterProfile ClusterLogin::password_profile(const std::string& name) const {
    auto p = profile();
    p.name = name;
    p.host = "loop-pw";
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

std::string ClusterLogin::queue() const {
    return scheduler == jobs::Scheduler::slurm ? scheduler_env.at("SLURM_PARTITION")
                                               : scheduler_env.at("PBS_QUEUE");
}

QString ClusterLogin::scheduler_command(const QString& program, const QStringList& args) const {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    const char* variable = tools_of(scheduler).config_variable;
    env.insert(variable, QString::fromStdString(scheduler_env.at(variable)));
    p.setProcessEnvironment(env);
    p.start(q(tool_directory(scheduler, scheduler_env) / program.toStdString()), args);
    p.waitForFinished(60000);
    // Callers parse stdout; what the command said on stderr (a refusal, say) goes to the test's log.
    if (const auto err = QString::fromUtf8(p.readAllStandardError()).trimmed(); !err.isEmpty())
        qInfo("%s %s: %s", qPrintable(program), qPrintable(args.join(' ')), qPrintable(err));
    return QString::fromUtf8(p.readAllStandardOutput());
}

CliRun run_cli(const std::string& cli, const QProcessEnvironment& env, const QStringList& args,
               int timeout_ms) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QString::fromStdString(cli), args);
    CliRun c;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        c.err = "sluice-cli did not finish in time: " + QString::fromUtf8(p.readAllStandardError());
        c.out = QString::fromUtf8(p.readAllStandardOutput());
        return c;
    }
    c.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    c.out = QString::fromUtf8(p.readAllStandardOutput());
    c.err = QString::fromUtf8(p.readAllStandardError());
    return c;
}

} // namespace sluice::test
