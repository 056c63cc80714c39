#include "jobs/job_runner.hpp"

#include "h5/h5_file.hpp"
#include "h5/usid.hpp"
#include "jobs/job_monitor.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/scaling.hpp"
#include "jobs/scheduler_commands.hpp"
#include "jobs/scheduler_parsers.hpp"
#include "jobs/script.hpp"
#include "jobs/status_file.hpp"
#include "recipe/recipe.hpp"
#include "run/filter_request.hpp"
#include "util/json_text.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace sluice::jobs {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view result_file = "result.h5";

std::string resources_json(const Resources& r) {
    return json_text(nlohmann::json{{"account", r.account},
                                    {"partition", r.partition},
                                    {"qos", r.qos},
                                    {"nodes", r.nodes},
                                    {"tasks_per_node", r.tasks_per_node},
                                    {"walltime", r.walltime},
                                    {"memory", r.memory}});
}

std::string input_directory(const ClusterProfile& profile, std::string_view sha256) {
    // Beside the jobs directory: <scratch>/sluice/<hash prefix>/, one verified copy per distinct input.
    return fmt::format("{}/{}", sluice_directory(profile), sha256.substr(0, 16));
}

Status persist(JobStore& store, const JobRecord& job, const RunnerOptions& options) {
    if (auto st = store.update(job); !st) return st;
    if (options.on_change) options.on_change(job);
    return {};
}

TransferHooks hooks(const RunnerOptions& options, std::string_view what) {
    TransferHooks h;
    h.cancel = options.cancel;
    if (options.transfer_progress)
        h.progress = [&options, what](std::uint64_t done, std::uint64_t total) {
            options.transfer_progress(what, done, total);
        };
    return h;
}

Status transition(JobStore& store, JobRecord& job, JobState state, std::string message,
                  const RunnerOptions& options) {
    job.state = state;
    job.message = std::move(message);
    job.updated = WallClock::now();
    return persist(store, job, options);
}

// Submission `n` of a job, made idempotent: sbatch's answer is kept in the job directory, so a client
// that died between submitting and recording the id gets the same id again instead of a second job.
// Before a resubmission the previous run's status.json is moved aside, so that it cannot be taken for
// the new run's.
Result<std::string> submit(JobHost& host, const JobRecord& job, int n, std::stop_token cancel) {
    const auto& profile = host.profile();
    const auto dir = job_directory(profile, job.id);
    const auto script =
        fmt::format("set -e\n"
                    "cd -- \"$1\"\n"
                    "answer=.submission-$2\n"
                    "if [ ! -s \"$answer\" ]; then\n"
                    "    if [ -f status.json ]; then mv -f status.json status.previous.json; fi\n"
                    "    ( {} ) >\"$answer.part\"\n"
                    "    mv -f \"$answer.part\" \"$answer\"\n"
                    "fi\n"
                    "cat \"$answer\"\n",
                    submit_command(profile.scheduler, dir));
    auto r = host.run("submitting", script, {dir, std::to_string(n)}, std::chrono::minutes(2), cancel);
    if (!r) return propagate(r);
    return parse_submit_output(profile.scheduler, r->out);
}

} // namespace

Result<fs::path> result_path_beside(const fs::path& input, const fs::path& folder) {
    const auto dir = folder.empty() ? input.parent_path() : folder;
    const auto stem = input.stem().string();
    // A name is taken by anything there, a dangling link included.
    const auto taken = [](const fs::path& p) {
        std::error_code ec;
        return fs::exists(fs::symlink_status(p, ec));
    };
    for (int n = 0; n < 1000; ++n) {
        auto base = dir / fmt::format("{}-filtered-{:03}", stem, n);
        auto h5 = fs::path(base.string() + ".h5");
        if (!taken(h5) && !taken(base.string() + ".recipe.json") && !taken(base.string() + ".h5.part"))
            return h5;
    }
    return fail(ErrorKind::refused,
                fmt::format("there are already 1000 filtered results next to {}", input.string()));
}

Result<fs::path> scaling_results_directory() {
    auto store = default_job_store_path();
    if (!store) return propagate(store);
    return store->parent_path() / "scaling";
}

namespace {

// A study's sample, rank counts and resources (enough nodes for its largest rank count); its script.
Status plan_study(const ClusterProfile& profile, const NewJob& job, std::uint64_t rows, JobPlan& plan) {
    auto& r = plan.record;
    StudySpec study;
    study.ranks = job.study_ranks;
    study.dataset_rows = static_cast<std::int64_t>(rows);
    study.points = plan.points;
    study.sample_rows = std::min(job.sample_rows.value_or(default_sample_rows), study.dataset_rows);
    if (job.sample_rows && *job.sample_rows < 1)
        return fail(ErrorKind::bad_input,
                    fmt::format("rows: a sample needs at least 1 row, not {}", *job.sample_rows));
    auto dir = scaling_results_directory();
    if (!dir) return propagate(dir);
    r.local_output = (*dir / (r.id + ".json")).string();
    r.rows_total = study.sample_rows * static_cast<std::int64_t>(study.ranks.size());
    auto& res = plan.spec.resources;
    if (!is_local(profile) && !study.ranks.empty()) {
        const int per_node = std::max(1, res.tasks_per_node);
        res.nodes = std::max(res.nodes, (study.ranks.back() + per_node - 1) / per_node);
    }
    plan.spec.output.reset();
    auto script = study_script(profile, plan.spec, study);
    if (!script) return propagate(script);
    plan.script = std::move(*script);
    plan.study = std::move(study);
    return {};
}

} // namespace

Result<JobPlan> plan_job(const ClusterProfile& profile, const NewJob& job, WallClock::time_point now) {
    if (auto st = validate_profile(profile); !st) return propagate(st);
    std::error_code ec;
    const auto input = fs::absolute(job.input, ec);
    // Everything the engine would refuse is refused here, before a byte is uploaded (the same checks).
    if (auto st = check_file_name(input, "the input file"); !st) return propagate(st);
    if (!job.local_output.empty())
        if (auto st = check_file_name(job.local_output, "the output file"); !st) return propagate(st);
    if (job.block_rows)
        if (auto st = check_block_rows(static_cast<std::uint64_t>(std::max(*job.block_rows, 0))); !st)
            return propagate(st);
    auto file = h5::open_file(input, h5::Access::read_only);
    if (!file) return propagate(file);
    auto recipe = recipe::parse_recipe(job.recipe_json);
    if (!recipe) return std::unexpected(recipe.error().context("recipe"));
    auto checked = check_filter_request(file->get(), job.dataset, std::move(*recipe));
    if (!checked) return propagate(checked);
    const auto& main = checked->main;
    auto sha = job.input_sha256 ? Result<std::string>(*job.input_sha256) : sha256_file(input);
    if (!sha) return propagate(sha);

    JobPlan plan;
    plan.points = static_cast<std::int64_t>(main.points);
    auto& r = plan.record;
    r.id = new_job_id(now);
    r.kind = job.kind;
    r.profile = profile.name;
    r.state = JobState::draft;
    r.local_input = input.string();
    r.dataset = main.path;
    r.recipe_json = recipe::to_json(checked->recipe);
    r.input_sha256 = *sha;
    // This computer reads the user's file in place and writes the result beside it: nothing is copied.
    const bool here = is_local(profile);
    r.remote_input = here ? input.string()
                          : fmt::format("{}/{}", input_directory(profile, *sha), input.filename().string());
    if (job.local_output.empty()) {
        auto out = result_path_beside(input, job.output_dir);
        if (!out) return propagate(out);
        r.local_output = out->string();
    } else {
        r.local_output = fs::absolute(job.local_output, ec).string();
    }
    r.rows_total = static_cast<std::int64_t>(main.rows);
    r.message = "planned";
    r.created = r.updated = now;

    plan.spec = job_spec_from_profile(profile, r.id);
    if (job.resources) plan.spec.resources = *job.resources;
    plan.spec.input = r.remote_input;
    plan.spec.dataset = main.path;
    plan.spec.output = here ? r.local_output : std::string(result_file);
    plan.spec.source_sha256 = *sha;
    plan.spec.block_rows = job.block_rows;
    if (job.kind == JobKind::scaling) {
        if (auto st = plan_study(profile, job, main.rows, plan); !st) return propagate(st);
    } else {
        auto script = job_script(profile, plan.spec);
        if (!script) return propagate(script);
        plan.script = std::move(*script);
    }
    r.job_script = plan.script;
    r.resources_json = resources_json(plan.spec.resources);
    return plan;
}

namespace {

Status stage_and_submit_steps(JobStore& store, JobHost& host, JobRecord& job, const RunnerOptions& options) {
    auto peer = host.connect();
    if (!peer) return propagate(peer);
    // A job sent again after its input was purged keeps the reason in its message while uploading.
    if (!is_local(host.profile()) && (job.state != JobState::uploading || job.submissions == 0))
        if (auto st = transition(store, job, JobState::uploading,
                                 fmt::format("uploading {} to {}", job.local_input, *peer), options);
            !st)
            return st;
    if (auto st = host.upload_input(job, hooks(options, "upload")); !st) return st;

    const auto dir = job_directory(host.profile(), job.id);
    const auto write = "set -e\n"
                       "mkdir -p -- \"$1\"\n"
                       "cd -- \"$1\"\n"
                       "printf '%s' \"$2\" >\"$4.part\" && mv -f \"$4.part\" \"$4\"\n"
                       "printf '%s' \"$3\" >\"$5.part\" && mv -f \"$5.part\" \"$5\"\n";
    if (auto r = host.run(
            "writing the job directory", write,
            {dir, job.recipe_json, job.job_script, std::string(recipe_file), std::string(job_script_file)},
            std::chrono::minutes(2), options.cancel);
        !r)
        return propagate(r);

    // Submission n + 1: a job uploaded again after its input was purged is a new submission, not the
    // first one again (whose answer .submission-1 would return the old id).
    auto id = submit(host, job, job.submissions + 1, options.cancel);
    if (!id) return propagate(id);
    job.scheduler_id = *id;
    ++job.submissions;
    job.rows_at_submit = job.rows_done;
    return transition(
        store, job, JobState::submitted,
        is_local(host.profile())
            ? fmt::format("started on this computer (process {})", id->substr(0, id->find('.')))
            : fmt::format("submitted to {} as job {}", to_string(host.profile().scheduler), *id),
        options);
}

} // namespace

Status stage_and_submit(JobStore& store, JobHost& host, JobRecord& job, const RunnerOptions& options) {
    if (job.state != JobState::draft && job.state != JobState::uploading)
        return fail(ErrorKind::refused,
                    fmt::format("job {} is {}, not waiting to be submitted", job.id, to_string(job.state)));
    auto st = stage_and_submit_steps(store, host, job, options);
    if (!st) {
        // The job stays draft/uploading, to be tried again; the store says why it is waiting.
        job.message = st.error().message;
        job.updated = WallClock::now();
        (void)store.update(job);
    }
    return st;
}

namespace {

// What the poll saw of the job, for its details: where and since when it runs, why it waits.
void note_details(JobRecord& job, const Observation& seen) {
    job.checked = WallClock::now();
    const auto& sched = seen.queue ? seen.queue : seen.history;
    if (sched) {
        job.queue_reason = sched->state == JobState::pending && sched->reason != "None" ? sched->reason : "";
        if (sched->elapsed) job.elapsed_s = sched->elapsed->count();
    }
    if (seen.files.status && *seen.files.status) {
        const auto& status = **seen.files.status;
        if (!status.host.empty()) job.node = status.host;
        if (!status.started.empty()) job.started = status.started;
        job.ended = status.ended.value_or("");
    }
}

} // namespace

Result<bool> poll_jobs(JobStore& store, JobHost& host, std::vector<JobRecord>& jobs,
                       const RunnerOptions& options) {
    const auto& profile = host.profile();
    std::vector<JobRecord*> on_cluster;
    std::vector<std::string> ids;
    for (auto& j : jobs) {
        if (j.profile != profile.name || j.scheduler_id.empty()) continue;
        if (j.state == JobState::submitted || j.state == JobState::pending || j.state == JobState::running ||
            j.state == JobState::resubmitted) {
            on_cluster.push_back(&j);
            ids.push_back(j.scheduler_id);
        }
    }
    if (on_cluster.empty()) return false;

    auto poll = poll_command(profile.scheduler, ids);
    if (!poll) return propagate(poll);
    auto polled = host.run("polling the queue", *poll, {}, std::chrono::minutes(2), options.cancel);
    if (!polled) return propagate(polled);
    auto queue = parse_poll_output(profile.scheduler, polled->out);
    if (!queue) return propagate(queue);
    std::map<std::string, Observation> seen;
    for (auto& q : *queue)
        seen[q.id].queue = std::move(q);

    // Jobs that are running or have left the queue: their files say how far they got and how they
    // ended; jobs gone from the queue also need the scheduler's history.
    std::vector<std::string> gone_ids, file_ids;
    for (auto* j : on_cluster) {
        const auto it = seen.find(j->scheduler_id);
        const bool gone = it == seen.end() || !it->second.queue;
        if (gone) gone_ids.push_back(j->scheduler_id);
        if (gone || it->second.queue->state != JobState::pending) file_ids.push_back(j->id);
    }
    if (!gone_ids.empty()) {
        auto history = history_command(profile.scheduler, gone_ids);
        if (!history) return propagate(history);
        // Clusters without accounting refuse sacct; status.json then tells how the job ended.
        if (auto h = host.run("reading the scheduler's history", *history, {}, std::chrono::minutes(2),
                              options.cancel)) {
            auto past = parse_history_output(profile.scheduler, h->out);
            if (!past) return propagate(past);
            for (auto& p : *past)
                seen[p.id].history = std::move(p);
        }
    }
    std::map<std::string, JobFiles> files;
    if (!file_ids.empty()) {
        std::vector<std::string> inputs;
        for (const auto& id : file_ids)
            for (const auto* j : on_cluster)
                if (j->id == id) inputs.push_back(j->remote_input);
        auto read = read_status_command(profile, file_ids, inputs);
        if (!read) return propagate(read);
        auto out = host.run("reading job directories", *read, {}, std::chrono::minutes(2), options.cancel);
        if (!out) return propagate(out);
        auto listing = parse_status_listing(out->out);
        if (!listing) return propagate(listing);
        files = std::move(*listing);
    }

    bool changed = false;
    for (auto* j : on_cluster) {
        auto obs = seen[j->scheduler_id];
        if (const auto f = files.find(j->id); f != files.end()) obs.files = f->second;
        auto next = reconcile(*j, obs);
        // The site purged scratch before the engine could read the input (it refused: exit 2): send the
        // input again and resubmit, within the resubmission limit.
        if (next.state == JobState::failed && next.exit_code == 2 && obs.files.input_present == false &&
            j->submissions <= options.max_resubmits) {
            j->state = JobState::uploading;
            j->message = fmt::format("{} was removed from the cluster's scratch before job {} could read it "
                                     "(purged?); uploading it again",
                                     j->remote_input, j->scheduler_id);
            j->updated = WallClock::now();
            if (auto st = persist(store, *j, options); !st) return propagate(st);
            if (auto st = stage_and_submit_steps(store, host, *j, options); !st) {
                j->message = st.error().message; // stays uploading: the next round tries again
                (void)store.update(*j);
                return propagate(st);
            }
            changed = true;
            continue;
        }
        note_details(next, obs);
        if (next.state == j->state && next.message == j->message && next.rows_done == j->rows_done) {
            // Only what people read changed (the time of this poll at least): kept, not a change of state.
            *j = std::move(next);
            if (auto st = persist(store, *j, options); !st) return propagate(st);
            continue;
        }
        const bool state_changed = next.state != j->state;
        next.updated = WallClock::now();
        *j = std::move(next);
        if (auto st = persist(store, *j, options); !st) return propagate(st);
        changed = changed || state_changed;
        // Here a stop is the user's (or a restart's): the run waits, resumable, for the user's resume.
        if (j->state != JobState::stopped || is_local(profile)) continue;
        // A study stopped by its walltime measured too little to project from; running it again as it
        // was would stop again.
        if (j->kind == JobKind::scaling) {
            if (auto st = transition(
                    store, *j, JobState::failed,
                    fmt::format(
                        "the scaling study stopped at its walltime after {} of {} sample rows: start "
                        "it again with a longer --walltime, fewer rank counts or a smaller --rows sample",
                        j->rows_done, j->rows_total),
                    options);
                !st)
                return propagate(st);
            continue;
        }

        switch (after_stop(*j, options.max_resubmits)) {
        case AfterStop::resubmit: {
            auto id = submit(host, *j, j->submissions + 1, options.cancel);
            if (!id) return propagate(id);
            j->scheduler_id = *id;
            j->rows_at_submit = j->rows_done;
            ++j->submissions;
            auto st = transition(
                store, *j, JobState::resubmitted,
                fmt::format("resubmitted as job {} at row {} of {} (resubmission {} of at most {})", *id,
                            j->rows_done, j->rows_total, j->submissions - 1, options.max_resubmits),
                options);
            if (!st) return propagate(st);
            break;
        }
        case AfterStop::give_up_no_progress:
            if (auto st =
                    transition(store, *j, JobState::failed,
                               fmt::format("stopped again without finishing a single block (row {} of {}): "
                                           "give it a longer walltime",
                                           j->rows_done, j->rows_total),
                               options);
                !st)
                return propagate(st);
            break;
        case AfterStop::give_up_too_many:
            if (auto st =
                    transition(store, *j, JobState::failed,
                               fmt::format("stopped after {} resubmissions at row {} of {}: give it a longer "
                                           "walltime or submit it again",
                                           j->submissions - 1, j->rows_done, j->rows_total),
                               options);
                !st)
                return propagate(st);
            break;
        }
    }
    return changed;
}

Status fetch_result(JobStore& store, JobHost& host, JobRecord& job, const RunnerOptions& options) {
    if (job.state != JobState::completed && job.state != JobState::downloading)
        return fail(ErrorKind::refused,
                    fmt::format("job {} is {}: there is no result to fetch", job.id, to_string(job.state)));
    // Someone put a file where the result was to go (before or during an interrupted download): never
    // overwrite it; take the next free name, and carry a partial download over to it.
    std::error_code ec;
    const bool study = job.kind == JobKind::scaling;
    // The job wrote its result where it belongs (this computer's filter jobs).
    const bool in_place = is_local(host.profile()) && !study;
    if (study) {
        fs::create_directories(fs::path(job.local_output).parent_path(), ec);
        if (ec)
            return fail(ErrorKind::io,
                        fmt::format("cannot create {}: {}", fs::path(job.local_output).parent_path().string(),
                                    ec.message()));
        fs::remove(job.local_output, ec); // a study's file is only ever its own, from an interrupted fetch
    } else if (!in_place && fs::exists(fs::symlink_status(job.local_output, ec))) {
        auto other = result_path_beside(job.local_input, fs::path(job.local_output).parent_path());
        if (!other) return propagate(other);
        const fs::path old_part = job.local_output + ".part";
        if (fs::is_regular_file(fs::symlink_status(old_part, ec)))
            fs::rename(old_part, other->string() + ".part", ec);
        job.local_output = other->string();
    }
    if (auto peer = host.connect(); !peer) return propagate(peer);
    if (!in_place && !is_local(host.profile()))
        if (auto st = transition(store, job, JobState::downloading,
                                 fmt::format("downloading to {}", job.local_output), options);
            !st)
            return st;
    const auto remote = in_place ? job.local_output
                                 : fmt::format("{}/{}", job_directory(host.profile(), job.id),
                                               study ? std::string(scaling_file) : std::string(result_file));
    auto sha = host.download(remote, job.local_output, hooks(options, "download"));
    if (!sha) return propagate(sha);
    job.result_sha256 = *sha;
    if (study) {
        // Kept per profile and row length, so that later submissions can be sized from it.
        std::ifstream in(job.local_output, std::ios::binary);
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        auto parsed = parse_scaling_json(text);
        if (!parsed) return std::unexpected(parsed.error().context(job.local_output));
        if (auto st = store.add_study({job.id, job.profile, parsed->dataset_rows, parsed->points,
                                       sha256_hex(job.recipe_json), WallClock::now(), text});
            !st)
            return st;
        return transition(store, job, JobState::done, fmt::format("study in {}", job.local_output), options);
    }
    return transition(store, job, JobState::done, fmt::format("result in {}", job.local_output), options);
}

Status cancel_job(JobStore& store, JobHost& host, JobRecord& job, const RunnerOptions& options) {
    if (!needs_attention(job.state) || job.state == JobState::completed || job.state == JobState::downloading)
        return fail(ErrorKind::refused,
                    fmt::format("job {} is {}: nothing to cancel", job.id, to_string(job.state)));
    if (job.scheduler_id.empty())
        return transition(store, job, JobState::cancelled, "cancelled before it was submitted", options);
    auto cmd = cancel_command(host.profile().scheduler, {job.scheduler_id});
    if (!cmd) return propagate(cmd);
    if (auto r = host.run("cancelling", *cmd, {}, std::chrono::minutes(2), options.cancel); !r)
        return propagate(r);
    // Here the engine finishes its block and stops, resumable; the next poll records "stopped".
    if (is_local(host.profile())) {
        job.message = "stopping after the current block; the run stays resumable";
        job.updated = WallClock::now();
        return persist(store, job, options);
    }
    return transition(store, job, JobState::cancelled,
                      fmt::format("cancelled by you (job {})", job.scheduler_id), options);
}

Status resubmit_job(JobStore& store, JobHost& host, JobRecord& job, const RunnerOptions& options) {
    if (job.state != JobState::stopped && job.state != JobState::failed && job.state != JobState::cancelled)
        return fail(ErrorKind::refused,
                    fmt::format("job {} is {}: only a stopped, failed or cancelled job can be run again",
                                job.id, to_string(job.state)));
    if (job.submissions == 0)
        return fail(ErrorKind::refused, fmt::format("job {} was never submitted; submit it again", job.id));
    auto id = submit(host, job, job.submissions + 1, options.cancel);
    if (!id) return propagate(id);
    job.scheduler_id = *id;
    job.rows_at_submit = job.rows_done;
    job.exit_code.reset();
    ++job.submissions;
    return transition(store, job, JobState::resubmitted,
                      fmt::format("resumed at row {} of {} (submission {})", job.rows_done, job.rows_total,
                                  job.submissions),
                      options);
}

bool needs_attention(JobState s) {
    return s != JobState::done && s != JobState::failed && s != JobState::cancelled;
}

} // namespace sluice::jobs
