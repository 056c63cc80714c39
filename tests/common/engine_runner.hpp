#pragma once
// Run the built sluice-engine as users and job scripts do: directly, or under `mpirun -np K`.
#include <QProcess>
#include <QString>
#include <QStringList>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace sluice::test {

struct EngineRun {
    int exit_code = -1;
    bool crashed = false; ///< ended by a signal
    QString out;
    QString err;
    [[nodiscard]] QString first_err_line() const { return err.section('\n', 0, 0); }
};

/// ranks == 0: the engine alone (no mpirun); otherwise `mpirun -np ranks --oversubscribe`.
/// `during` runs once the process has started, with its PID (e.g. to send signals).
EngineRun run_engine(const QStringList& args, int ranks = 0,
                     std::chrono::milliseconds timeout = std::chrono::minutes(5),
                     const std::function<void(qint64 pid)>& during = {});

/// Run `argv` (argv[0] a path) with arguments passed as raw bytes, which QStringList cannot carry (a file
/// name in Latin-1, say). Environment: this process's, plus `env` ("NAME=value"). No timeout.
EngineRun run_bytes(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

/// PIDs of the direct children of `pid` (the ranks that mpirun started).
std::vector<qint64> child_pids(qint64 pid);

} // namespace sluice::test
