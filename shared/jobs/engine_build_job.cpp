#include "jobs/engine_build_job.hpp"

#include "jobs/parse_support.hpp"
#include "jobs/scheduler_commands.hpp"
#include "jobs/scheduler_parsers.hpp"
#include "jobs/script.hpp"
#include "jobs/status_file.hpp"
#include "util/shell_quote.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <thread>

namespace sluice::jobs {
namespace {

constexpr auto kScriptTimeout = std::chrono::minutes(2);

// $1 job directory, $2 the job script. A status.json of an earlier attempt would end the wait at once.
constexpr std::string_view write_job = R"sh(set -eu
mkdir -p -- "$1"
cd -- "$1"
rm -f status.json build.out build.err
printf '%s' "$2" >job.sh
)sh";

// The build runs in a subshell with its own `set -e`, so that its status becomes engine_rc (and
// status.json's exit code) instead of ending the job shell before the status is written.
std::string job_body(const BuildJob& job) {
    return fmt::format("set -- {}\nset +e\n(\nset -e\n{}\n) >build.out 2>build.err\nengine_rc=$?\nset -e\n"
                       "exit \"$engine_rc\"\n",
                       shell_join(job.args), job.script);
}

// Sleeps `d`, waking early on a stop request: a Cancel must not wait out a poll interval.
bool wait_or_cancelled(std::chrono::seconds d, const std::stop_token& cancel) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
        if (cancel.stop_requested()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return cancel.stop_requested();
}

} // namespace

Result<std::string> build_job_script(const ClusterProfile& profile, const BuildJob& job) {
    JobSpec spec = job_spec_from_profile(profile, job.job_id);
    // A build has no dataset; the job's input is its source archive, named for messages only.
    spec.input = "source.tar.gz";
    spec.dataset = "-";
    spec.resources.nodes = 1;
    spec.resources.tasks_per_node = job.cpus;
    spec.resources.walltime = fmt::format("{:02}:{:02}:00", job.minutes / 60, job.minutes % 60);
    auto script = batch_script(profile, spec, job_body(job));
    if (!script) return std::unexpected(script.error().context("the build job"));
    return script;
}

Result<std::string> run_build_job(ClusterClient& cluster, const ClusterProfile& profile, const BuildJob& job,
                                  const std::function<void(const CheckLine&)>& on_line,
                                  std::stop_token cancel) {
    const auto say = [&](CheckLine::Level level, std::string text) {
        if (on_line) on_line({level, std::move(text)});
    };
    auto script = build_job_script(profile, job);
    if (!script) return propagate(script);

    const auto dir = job_directory(profile, job.job_id);
    auto written = cluster.run("writing the build job", write_job, {dir, *script}, kScriptTimeout, cancel);
    if (!written) return propagate(written);
    auto submitted = cluster.run("submitting the build job", submit_command(profile.scheduler, dir), {},
                                 kScriptTimeout, cancel);
    if (!submitted) return propagate(submitted);
    auto id = parse_submit_output(profile.scheduler, submitted->out);
    if (!id) return propagate(id);
    say(CheckLine::Level::detail,
        fmt::format("build job {} submitted ({} cores, at most {} minutes); waiting "
                    "for it...",
                    *id, job.cpus, job.minutes));

    const auto status_script = read_status_command(profile, {job.job_id});
    const auto queue_script = poll_command(profile.scheduler, {*id});
    if (!status_script) return propagate(status_script);
    if (!queue_script) return propagate(queue_script);
    std::string shown; // the state (and the scheduler's reason) last said
    int gone_polls = 0;
    // A poll that fails (a dropped connection, a scheduler that does not answer for a moment) is tried
    // again; three in a row end the wait.
    int failed_polls = 0;
    const auto given_up = [&](const Error& e) {
        if (++failed_polls >= 3) return true;
        say(CheckLine::Level::detail, fmt::format("{} (trying again)", e.message));
        return false;
    };
    std::optional<JobStatusFile> ended;
    while (!ended) {
        if (wait_or_cancelled(job.poll_interval, cancel)) {
            // Without the stop token, which is already requested and would end this script at once.
            if (auto command = cancel_command(profile.scheduler, {*id}))
                (void)cluster.run("cancelling the build job", *command, {}, kScriptTimeout);
            return fail(ErrorKind::cancelled,
                        fmt::format("the deploy was cancelled (build job {} cancelled)", *id));
        }
        auto listing =
            cluster.run("reading the build job's status", *status_script, {}, kScriptTimeout, cancel);
        if (!listing) {
            if (given_up(listing.error())) return propagate(listing);
            continue;
        }
        auto files = parse_status_listing(listing->out);
        if (!files) return propagate(files);
        if (auto it = files->find(job.job_id); it != files->end() && it->second.status &&
                                               *it->second.status &&
                                               (**it->second.status).state != JobState::running) {
            ended = **it->second.status;
            break;
        }
        auto queue = cluster.run("asking the scheduler about the build job", *queue_script, {},
                                 kScriptTimeout, cancel);
        if (!queue) {
            if (given_up(queue.error())) return propagate(queue);
            continue;
        }
        failed_polls = 0;
        auto jobs = parse_poll_output(profile.scheduler, queue->out);
        if (!jobs) return propagate(jobs);
        const auto in_queue = std::ranges::find(*jobs, *id, &SchedulerJob::id);
        if (in_queue != jobs->end() && !is_final_on_cluster(in_queue->state)) {
            gone_polls = 0;
            // A job that waits says why ("Resources", "Priority"): more cores than a node has wait forever.
            auto now = std::string(to_string(in_queue->state));
            if (!in_queue->reason.empty() && in_queue->reason != "None") now += " (" + in_queue->reason + ")";
            if (now != shown) say(CheckLine::Level::detail, fmt::format("build job {}: {}", *id, now));
            shown = std::move(now);
            continue;
        }
        // status.json is written as the job's shell exits: one more look before calling it lost.
        if (++gone_polls >= 2)
            return fail(ErrorKind::io,
                        fmt::format("build job {} left the queue without finishing the build: it "
                                    "reached its walltime of {} minutes (--time-limit) or was "
                                    "cancelled; its output is in {}",
                                    *id, job.minutes, dir));
    }

    auto output = cluster.run(
        "reading the build's output",
        "cd -- \"$1\"\ncat build.out 2>/dev/null || true\n{ cat build.err || true; } >&2 2>/dev/null\n",
        {dir}, kScriptTimeout);
    if (!output) return propagate(output);
    if (ended->state != JobState::completed) {
        std::vector<std::string_view> err;
        for (const auto line : detail::lines(output->err))
            if (!line.empty()) err.push_back(line);
        for (std::size_t i = err.empty() ? 0 : 1; i < err.size(); ++i)
            say(CheckLine::Level::detail, std::string(err[i]));
        return fail(ErrorKind::io,
                    fmt::format("build job {} failed (exit {}): {}", *id,
                                ended->exit_code ? std::to_string(*ended->exit_code) : "none",
                                err.empty() ? fmt::format("no output; see {}", dir) : err.front()));
    }
    (void)cluster.run("removing the build job's directory", "rm -rf -- \"$1\"", {dir}, kScriptTimeout);
    return output->out;
}

} // namespace sluice::jobs
