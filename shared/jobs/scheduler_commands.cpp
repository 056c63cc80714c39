#include "jobs/scheduler_commands.hpp"

#include "jobs/directive_values.hpp"
#include "jobs/local_scheduler.hpp"
#include "jobs/script.hpp"
#include "util/shell_quote.hpp"

#include <fmt/format.h>

namespace sluice::jobs {
namespace {

auto bad(std::string message) {
    return fail(ErrorKind::bad_input, std::move(message));
}

Result<std::string> quoted_ids(const std::vector<std::string>& ids, std::string_view separator) {
    if (ids.empty()) return bad("no scheduler job ids");
    std::string out;
    for (const auto& id : ids) {
        if (auto st = check_scheduler_job_id(id); !st) return propagate(st);
        if (!out.empty()) out += separator;
        out += id;
    }
    return out;
}

Result<std::string> id_words(const std::vector<std::string>& ids) {
    if (auto joined = quoted_ids(ids, ","); !joined) return joined;
    return shell_join(ids);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// `qstat -f` text for the given jobs. Not `-F json`: OpenPBS (23.06 at least) prints only the first of
// several job ids as JSON. qstat exits 153 (PBSE_UNKJOBID) when some id is unknown, still printing the
// others: a job the server forgot (no history, or history expired) must not fail the whole poll.
Result<std::string> qstat_command(std::string_view options, const std::vector<std::string>& ids) {
    auto words = id_words(ids);
    if (!words) return words;
    return fmt::format("qstat {} {} || [ $? -eq 153 ]\n", options, *words);
}

} // namespace

Status check_scheduler_job_id(std::string_view id) {
    const auto ok = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-' || c == '+' || c == '[' || c == ']';
    };
    bool good = !id.empty() && id.size() <= 128 && id.front() >= '0' && id.front() <= '9';
    for (char c : id)
        good = good && ok(c);
    if (!good) return bad(fmt::format("'{}' is not a scheduler job id", printable(id)));
    return {};
}

std::string submit_command(Scheduler scheduler, std::string_view job_dir) {
    if (scheduler == Scheduler::local) return local_submit_command(job_dir);
    const auto dir = shell_quote(job_dir);
    const auto script = shell_quote(job_script_file);
    if (scheduler == Scheduler::slurm) return fmt::format("cd {} && sbatch --parsable {}\n", dir, script);
    if (scheduler == Scheduler::torque) return fmt::format("cd {} && qsub {}\n", dir, script);
    // `qsub job.sh` would have a login shell run the script as its child, and qsig signals every process
    // of a job: USR1 kills that login shell, and with it the job. As an executable job, `bash -l` runs
    // the script itself, whose trap turns USR1 into a clean stop. The options are the script's own #PBS
    // lines, split into words: directive values are whitelisted words (directive_values.hpp).
    return fmt::format("cd {0} && qsub $(sed -n 's/^#PBS //p' {1}) -- /bin/bash -l \"$PWD\"/{1}\n", dir,
                       script);
}

Result<std::string> parse_submit_output(Scheduler scheduler, std::string_view out) {
    std::string_view line = trim(out);
    // sbatch may print warnings first; the id is the last line.
    if (const auto nl = line.rfind('\n'); nl != std::string_view::npos) line = trim(line.substr(nl + 1));
    std::string_view id = line;
    if (scheduler == Scheduler::slurm) id = line.substr(0, line.find(';')); // "123;cluster" on federations
    if (!check_scheduler_job_id(id))
        return fail(ErrorKind::internal,
                    fmt::format("cannot parse the {} output: '{}'",
                                scheduler == Scheduler::slurm ? "sbatch" : "qsub", printable(line)));
    return std::string(id);
}

Result<std::string> cancel_command(Scheduler scheduler, const std::vector<std::string>& ids) {
    // Here a cancel is a clean stop: the result stays resumable, and removing the job removes it.
    if (scheduler == Scheduler::local) return local_stop_command(ids);
    auto words = id_words(ids);
    if (!words) return words;
    return fmt::format("{} {}\n", scheduler == Scheduler::slurm ? "scancel" : "qdel", *words);
}

Result<std::string> stop_command(Scheduler scheduler, const std::string& id) {
    if (scheduler == Scheduler::local) return local_stop_command({id});
    auto words = id_words({id});
    if (!words) return words;
    // -b: the batch shell only (like --signal=B:), so the engine gets exactly one USR1, from the trap.
    if (scheduler == Scheduler::slurm) return fmt::format("scancel -b -s USR1 {}\n", *words);
    return fmt::format("qsig -s USR1 {}\n", *words);
}

Result<std::string> poll_command(Scheduler scheduler, const std::vector<std::string>& ids) {
    if (scheduler == Scheduler::local) return local_poll_command(ids);
    // The name comes last: it is the one field that may hold the separator.
    if (scheduler == Scheduler::slurm) return std::string("squeue --me -h -t all -o '%i|%T|%r|%M|%l|%j'\n");
    return qstat_command(scheduler == Scheduler::pbs ? "-f -x" : "-f", ids);
}

Result<std::string> history_command(Scheduler scheduler, const std::vector<std::string>& ids) {
    if (scheduler == Scheduler::local) return std::string("true\n"); // the poll lists ended jobs too
    if (scheduler == Scheduler::slurm) {
        auto joined = quoted_ids(ids, ",");
        if (!joined) return joined;
        return fmt::format("sacct -j {} -n -P -o JobID,State,ExitCode,Elapsed\n", shell_quote(*joined));
    }
    return poll_command(scheduler, ids);
}

Result<std::string> read_status_command(const ClusterProfile& profile,
                                        const std::vector<std::string>& job_ids,
                                        const std::vector<std::string>& inputs) {
    if (job_ids.empty()) return bad("no job ids");
    if (!inputs.empty() && inputs.size() != job_ids.size()) return bad("one input per job");
    std::vector<std::string> dirs;
    for (const auto& id : job_ids) {
        if (auto st = check_job_id(id); !st) return propagate(st);
        dirs.push_back(job_directory(profile, id));
    }
    // Job ids are [A-Za-z0-9_-], so the id printed before each file needs no escaping; tr keeps one
    // file per line even if it was hand-edited.
    std::string script =
        fmt::format("for d in {}; do\n"
                    "    for f in status progress; do\n"
                    "        if [ -f \"$d/$f.json\" ]; then\n"
                    "            printf '%s %s ' \"${{d##*/}}\" \"$f\"; tr -d '\\n' <\"$d/$f.json\"; "
                    "printf '\\n'\n"
                    "        fi\n"
                    "    done\n"
                    "done\n",
                    shell_join(dirs));
    for (std::size_t i = 0; i < inputs.size(); ++i)
        script += fmt::format("if [ -f {} ]; then echo {} input present; else echo {} input missing; fi\n",
                              shell_quote(inputs[i]), job_ids[i], job_ids[i]);
    return script;
}

} // namespace sluice::jobs
