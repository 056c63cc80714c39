// sluice-cli submit|status|watch|cancel|fetch over the JobStore and the job runner.
#include "commands.hpp"
#include "jobs/cluster_client.hpp"
#include "jobs/job_monitor.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "jobs/job_supervisor.hpp"
#include "jobs/local_host.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/scaling.hpp"
#include "jobs/scratch.hpp"
#include "recipe/recipe.hpp"
#include "terminal.hpp"
#include "util/json_text.hpp"
#include "util/memory_budget.hpp"
#include "util/transfer_meter.hpp"
#include "util/utf8.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>
#include <unistd.h>

namespace sluice::cli {
namespace {

using jobs::WallClock;

std::atomic<bool> stop_requested{false};
extern "C" void on_stop_signal(int) {
    stop_requested = true;
}

/// Ctrl-C and SIGTERM while a command runs: the flag is set in the handler, and a watcher thread turns it
/// into a stop request (not async-signal-safe itself), so an upload or download stops at its next chunk,
/// leaving its .part for the next attempt.
class StopOnSignal {
public:
    StopOnSignal() {
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGTERM, on_stop_signal);
        watcher_ = std::jthread([this](std::stop_token done) {
            while (!done.stop_requested() && !stop_requested)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (stop_requested) source_.request_stop();
        });
    }
    [[nodiscard]] std::stop_token token() const { return source_.get_token(); }

private:
    std::stop_source source_;
    std::jthread watcher_; // last: stopped and joined before source_ goes
};

std::string local_time(WallClock::time_point t) {
    const auto tt = WallClock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

void print_change(const Context& ctx, const jobs::JobRecord& j) {
    std::fprintf(ctx.out, "%s  %s  %-11s %s\n", local_time(j.updated).c_str(), j.id.c_str(),
                 std::string(to_string(j.state)).c_str(), terminal_text(j.message).c_str());
    std::fflush(ctx.out);
}

/// Uploads and downloads report bytes, rate and time left on ctx.err: rewritten in place on a terminal,
/// otherwise a line every 10 s (a log stays short) and one at the end.
void show_transfers(const Context& ctx, jobs::RunnerOptions& options) {
    struct State {
        TransferMeter meter;
        TransferMeter::Clock::time_point last_line{};
        std::string what;
    };
    auto state = std::make_shared<State>();
    const bool tty = isatty(fileno(ctx.err)) == 1;
    options.transfer_progress = [&ctx, state, tty](std::string_view what, std::uint64_t done,
                                                   std::uint64_t total) {
        const auto now = TransferMeter::Clock::now();
        if (what != state->what) {
            state->meter.reset();
            state->what = what;
        }
        const auto reading = state->meter.update(done, total, now);
        const bool last = done >= total;
        if (!tty && !last && now - state->last_line < std::chrono::seconds(10)) return;
        state->last_line = now;
        const auto word = what == "upload" ? "uploading" : "downloading";
        std::fprintf(ctx.err, tty ? "\r\033[K%s %s%s" : "%s %s%s", word, describe_transfer(reading).c_str(),
                     tty && !last ? "" : "\n");
        std::fflush(ctx.err);
    };
}

Result<jobs::JobStore> open_store(const Context& ctx) {
    return jobs::JobStore::open(ctx.store);
}

Result<jobs::JobRecord> find_job(const jobs::JobStore& store, const std::string& id) {
    auto job = store.find(id);
    if (!job) return propagate(job);
    if (!*job) return fail(ErrorKind::bad_input, fmt::format("no job '{}' (see 'sluice-cli status')", id));
    return std::move(**job);
}

nlohmann::json job_json(const jobs::JobRecord& j) {
    nlohmann::json o{{"id", j.id},
                     {"profile", j.profile},
                     {"state", std::string(to_string(j.state))},
                     {"scheduler_id", j.scheduler_id},
                     {"submissions", j.submissions},
                     {"input", j.local_input},
                     {"dataset", j.dataset},
                     {"output", j.local_output},
                     {"rows_done", j.rows_done},
                     {"rows_total", j.rows_total},
                     {"message", j.message},
                     {"result_sha256", j.result_sha256}};
    o["exit_code"] = j.exit_code ? nlohmann::json(*j.exit_code) : nlohmann::json(nullptr);
    o["kind"] = std::string(to_string(j.kind));
    if (auto table = study_table(j)) o["scaling"] = jobs::scaling_table_json(*table);
    return o;
}

Result<std::unique_ptr<jobs::JobHost>> make_client(const Context& ctx, const std::string& profile) {
    auto p = find_profile(ctx, profile);
    if (!p) return propagate(p);
    if (jobs::is_local(*p)) return std::make_unique<jobs::LocalHost>(std::move(*p));
    return std::make_unique<jobs::ClusterClient>(std::move(*p), terminal_callbacks());
}

} // namespace

int submit(const Context& ctx, const SubmitArgs& a) {
    auto profile = find_profile(ctx, a.profile);
    if (!profile) return report(ctx, profile.error());
    auto recipe = recipe::load_recipe(a.recipe);
    if (!recipe) return report(ctx, recipe.error().context(a.recipe.string()));
    jobs::NewJob job;
    job.profile = a.profile;
    job.input = a.input;
    job.dataset = a.dataset;
    job.recipe_json = recipe::to_json(*recipe);
    job.local_output = a.output;
    job.block_rows = a.block_rows;
    auto res = profile->resources;
    if (a.walltime) res.walltime = *a.walltime;
    if (a.partition) res.partition = *a.partition;
    if (a.account) res.account = *a.account;
    if (a.qos) res.qos = *a.qos;
    if (a.memory) res.memory = *a.memory;
    if (a.nodes) res.nodes = *a.nodes;
    if (a.tasks_per_node) res.tasks_per_node = *a.tasks_per_node;
    job.resources = res;
    auto plan = jobs::plan_job(*profile, job);
    if (!plan) return report(ctx, plan.error());
    if (auto code = apply_suggestion(ctx, *profile, a.suggested, job, *plan); code != 0) return code;
    if (a.dry_run) {
        std::fprintf(ctx.out, "%s", plan->script.c_str());
        return 0;
    }
    return submit_plan(ctx, *plan);
}

int submit_plan(const Context& ctx, jobs::JobPlan& plan) {
    auto store = open_store(ctx);
    if (!store) return report(ctx, store.error());
    if (auto st = store->insert(plan.record); !st) return report(ctx, st.error());
    auto cluster = make_client(ctx, plan.record.profile);
    if (!cluster) return report(ctx, cluster.error());
    const StopOnSignal interrupt;
    jobs::RunnerOptions options;
    options.on_change = [&ctx](const jobs::JobRecord& j) { print_change(ctx, j); };
    options.cancel = interrupt.token();
    show_transfers(ctx, options);
    auto& record = plan.record;
    if (auto st = jobs::stage_and_submit(*store, **cluster, record, options); !st) {
        if (stop_requested) {
            std::fprintf(ctx.err, "sluice-cli: interrupted; 'sluice-cli watch' continues job %s\n",
                         record.id.c_str());
            return 130;
        }
        return report(ctx, st.error());
    }
    std::fprintf(ctx.out, "%s\n", record.id.c_str());
    return 0;
}

int status(const Context& ctx, const std::vector<std::string>& ids, bool json) {
    auto store = open_store(ctx);
    if (!store) return report(ctx, store.error());
    auto jobs = store->list();
    if (!jobs) return report(ctx, jobs.error());
    std::erase_if(*jobs,
                  [&](const auto& j) { return !ids.empty() && std::ranges::find(ids, j.id) == ids.end(); });
    if (ids.size() > jobs->size())
        return report(ctx, {ErrorKind::bad_input, "no such job (see 'sluice-cli status')"});
    if (json) {
        auto arr = nlohmann::json::array();
        for (const auto& j : *jobs)
            arr.push_back(job_json(j));
        std::fprintf(ctx.out, "%s\n", json_text(arr, 2).c_str());
        return 0;
    }
    if (jobs->empty()) std::fprintf(ctx.out, "no jobs yet: start one with 'sluice-cli submit'\n");
    for (const auto& j : *jobs) {
        const auto rows = j.rows_total ? fmt::format("{}/{}", j.rows_done, j.rows_total) : std::string("-");
        std::fprintf(ctx.out, "%-22s %-12s %-11s %-10s %-13s %s\n", j.id.c_str(), j.profile.c_str(),
                     std::string(to_string(j.state)).c_str(),
                     j.scheduler_id.empty() ? "-" : j.scheduler_id.c_str(), rows.c_str(),
                     terminal_text(j.message).c_str());
        // A study asked for by its id: its table again.
        if (!ids.empty())
            if (auto table = study_table(j))
                std::fprintf(ctx.out, "%s", jobs::scaling_table_text(*table).c_str());
    }
    return 0;
}

// cancel and fetch: one job and its cluster's client.
int on_job(const Context& ctx, const std::string& id,
           const std::function<Status(jobs::JobStore&, jobs::JobHost&, jobs::JobRecord&,
                                      const jobs::RunnerOptions&)>& action) {
    auto store = open_store(ctx);
    if (!store) return report(ctx, store.error());
    auto job = find_job(*store, id);
    if (!job) return report(ctx, job.error());
    auto cluster = make_client(ctx, job->profile);
    if (!cluster) return report(ctx, cluster.error());
    const StopOnSignal interrupt;
    jobs::RunnerOptions options;
    options.on_change = [&ctx](const jobs::JobRecord& j) { print_change(ctx, j); };
    options.cancel = interrupt.token();
    show_transfers(ctx, options);
    if (auto st = action(*store, **cluster, *job, options); !st)
        return stop_requested ? 130 : report(ctx, st.error());
    return 0;
}

int cancel(const Context& ctx, const std::string& id) {
    return on_job(ctx, id, jobs::cancel_job);
}

int fetch(const Context& ctx, const std::string& id) {
    return on_job(ctx, id, jobs::fetch_result);
}

int clean(const Context& ctx, const std::string& id, bool dry_run) {
    return on_job(
        ctx, id,
        [&ctx, dry_run](jobs::JobStore& store, jobs::JobHost& host, jobs::JobRecord& job,
                        const jobs::RunnerOptions& options) -> Status {
            auto all = store.list();
            if (!all) return propagate(all);
            auto files = jobs::list_scratch(host, job, *all);
            if (!files) return propagate(files);
            for (const auto& f : *files)
                std::fprintf(
                    ctx.out, "%12s  %s%s\n", human_bytes(f.bytes).c_str(), terminal_text(f.path).c_str(),
                    f.needed_by.empty()
                        ? ""
                        : terminal_text(" (kept: job " + f.needed_by.front() + " needs it)").c_str());
            if (dry_run || files->empty()) {
                std::fprintf(ctx.out, "%s\n", jobs::scratch_text(*files).c_str());
                return {};
            }
            auto freed = jobs::remove_scratch(store, host, job, *all, options);
            if (!freed) return propagate(freed);
            std::fprintf(ctx.out, "removed %s from the cluster's scratch\n", human_bytes(*freed).c_str());
            return {};
        });
}

int resume(const Context& ctx, const std::string& id) {
    return on_job(ctx, id, jobs::resubmit_job);
}

int watch(const Context& ctx, const WatchArgs& a) {
    auto store = open_store(ctx);
    if (!store) return report(ctx, store.error());
    const StopOnSignal interrupt;

    jobs::PollIntervals intervals;
    intervals.slow = std::chrono::seconds(std::max(a.max_interval_s, 1));
    intervals.fast = std::min(intervals.fast, intervals.slow);
    jobs::RunnerOptions options;
    options.on_change = [&ctx](const jobs::JobRecord& j) { print_change(ctx, j); };
    options.max_resubmits = a.max_resubmits;
    options.cancel = interrupt.token();
    show_transfers(ctx, options);
    jobs::JobSupervisor supervisor(
        *store, [&](const std::string& profile) { return make_client(ctx, profile); }, options, intervals);
    bool told_follower = false;
    std::map<std::string, WallClock::time_point> shown; // what a follower has printed already
    const auto started = WallClock::now();

    for (;;) {
        auto pass = supervisor.tick(a.ids);
        if (!pass) return report(ctx, pass.error());
        if (!pass->leader) {
            if (!told_follower && pass->holder)
                std::fprintf(
                    ctx.out,
                    "another Sluice process (pid %lld on %s) polls the clusters; showing what it records\n",
                    static_cast<long long>(pass->holder->pid), pass->holder->host.c_str());
            std::fflush(ctx.out);
            told_follower = true;
            for (const auto& j : pass->jobs)
                if (shown[j.id] != j.updated) {
                    print_change(ctx, j);
                    shown[j.id] = j.updated;
                }
        }
        bool declined = false;
        for (const auto& problem : pass->problems) {
            if (problem.needs_login) {
                // The user cancelled the login (or its answers were refused): asking again on every poll
                // would nag; the jobs go on where they run.
                std::fprintf(ctx.err,
                             "sluice-cli: %s\nsluice-cli: not watching any longer; run `sluice-cli watch` "
                             "again to log in\n",
                             terminal_text(problem.message).c_str());
                declined = true;
            } else {
                std::fprintf(ctx.err, "sluice-cli: %s\n", terminal_text(problem.text()).c_str());
            }
        }
        if (declined) {
            supervisor.release();
            return 1;
        }
        if (pass->idle || a.once || stop_requested) break;
        while (!stop_requested && jobs::MonotonicClock::now() < pass->next_tick)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (stop_requested) break;
    }
    supervisor.release();
    if (stop_requested) return 130;
    // Finished: non-zero when a watched job failed, so scripts can tell.
    auto end = store->list();
    if (!end) return report(ctx, end.error());
    for (const auto& j : *end)
        if ((a.ids.empty() || std::ranges::find(a.ids, j.id) != a.ids.end()) &&
            j.state == jobs::JobState::failed && j.updated >= started)
            return 1;
    return 0;
}

} // namespace sluice::cli
