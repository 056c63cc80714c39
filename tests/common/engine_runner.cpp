#include "common/engine_runner.hpp"

#include "common/h5_fixtures.hpp"

#include <QFile>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace sluice::test {

EngineRun run_engine(const QStringList& args, int ranks, std::chrono::milliseconds timeout,
                     const std::function<void(qint64)>& during) {
    QProcess p;
    const QString engine = QString::fromStdString(engine_exe().string());
    if (ranks > 0) {
        QStringList full{"-np", QString::number(ranks), "--oversubscribe", engine};
        full += args;
        p.start("mpirun", full);
    } else {
        p.start(engine, args);
    }
    EngineRun r;
    if (!p.waitForStarted(30000)) {
        r.err = "could not start: " + p.errorString();
        return r;
    }
    if (during) during(p.processId());
    p.waitForFinished(static_cast<int>(timeout.count()));
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out\n";
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exit_code = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err += QString::fromUtf8(p.readAllStandardError());
    return r;
}

EngineRun run_bytes(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    TempDir dir;
    const auto out = dir / "out", err = dir / "err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e)
        environment.emplace_back(*e);
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : environment)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    EngineRun r;
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        r.err = QString("could not start %1").arg(QString::fromStdString(argv[0]));
        return r;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.crashed = WIFSIGNALED(status);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const auto slurp = [](const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return QString::fromUtf8(ss.str());
    };
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

std::vector<qint64> child_pids(qint64 pid) {
    std::vector<qint64> out;
    QFile f(QString("/proc/%1/task/%1/children").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return out;
    for (const auto& tok : QString::fromLatin1(f.readAll()).split(' ', Qt::SkipEmptyParts))
        out.push_back(tok.toLongLong());
    return out;
}

} // namespace sluice::test
