// The job runner (submit, poll, resubmit, fetch, cancel) without a cluster: a LocalHost runs the very
// scripts a cluster would get with bash here, against a scratch directory of the test's own and fake
// Slurm commands (sbatch, squeue, sacct, scancel) that answer in the captured formats of
// tests/data/slurm and log every call. The job itself never runs: the test writes what a job would
// (status.json, progress.json, result.h5) and checks what the runner makes of it.
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/local_host.hpp"
#include "jobs/scratch.hpp"
#include "jobs/script.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace sluice;
using namespace sluice::jobs;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// Fake Slurm: sbatch hands out 101, 102, ...; squeue and sacct print what the test put in squeue.out
// and sacct.out; every call is appended to calls.log as "<name> <args>".
void write_fake_slurm(const fs::path& bin, const fs::path& state) {
    fs::create_directories(bin);
    const auto tool = [&](const std::string& name, const std::string& body) {
        write_file(bin / name, "#!/bin/bash\necho \"" + name + " $*\" >>'" + (state / "calls.log").string() +
                                   "'\n" + body);
        fs::permissions(bin / name, fs::perms::owner_all);
    };
    const auto s = "'" + state.string() + "'";
    tool("sbatch",
         "n=$(cat " + s + "/next 2>/dev/null || echo 101)\necho $((n + 1)) >" + s + "/next\necho \"$n\"\n");
    tool("squeue", "cat " + s + "/squeue.out 2>/dev/null || true\n");
    tool("sacct", "cat " + s + "/sacct.out 2>/dev/null || true\n");
    tool("scancel", "true\n");
}

} // namespace

class TestJobsRunner : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path state_, source_;
    ClusterProfile profile_;
    std::optional<JobStore> store_;
    std::optional<LocalHost> host_;
    RunnerOptions options_;

    std::vector<std::string> calls(const std::string& name) const {
        std::vector<std::string> out;
        std::istringstream lines(read_text(state_ / "calls.log"));
        for (std::string line; std::getline(lines, line);)
            if (line.rfind(name + " ", 0) == 0) out.push_back(line);
        return out;
    }

    JobRecord planned() {
        NewJob job;
        job.profile = profile_.name;
        job.input = source_;
        job.dataset = kRawData.toStdString();
        job.recipe_json = full_recipe();
        auto plan = plan_job(profile_, job);
        if (!plan) qFatal("plan_job: %s", plan.error().message.c_str());
        if (!store_->insert(plan->record)) qFatal("insert failed");
        return plan->record;
    }

    JobRecord submitted() {
        auto job = planned();
        const auto st = stage_and_submit(*store_, *host_, job, options_);
        if (!st) qFatal("stage_and_submit: %s", st.error().message.c_str());
        return job;
    }

    fs::path job_dir(const JobRecord& j) const { return job_directory(profile_, j.id); }

    void job_wrote(const JobRecord& j, const std::string& state, const std::string& exit_code, int rows) {
        write_file(
            job_dir(j) / "status.json",
            R"({"state": ")" + state + R"(", "exit_code": )" + exit_code +
                R"(, "started": "2026-12-04T10:00:00Z", "ended": "2026-12-04T10:01:00Z", "host": "n1", "engine_progress": "progress.json"})");
        write_file(job_dir(j) / "progress.json",
                   R"({"state": "x", "rows_done": )" + std::to_string(rows) + R"(, "rows_total": 300})");
    }

    JobRecord poll_one(JobRecord j) {
        std::vector<JobRecord> jobs{std::move(j)};
        auto r = poll_jobs(*store_, *host_, jobs, options_);
        if (!r) qFatal("poll_jobs: %s", r.error().message.c_str());
        return jobs.front();
    }

private slots:
    void initTestCase() {
        state_ = dir_ / "slurm";
        fs::create_directories(state_);
        write_fake_slurm(dir_ / "bin", state_);
        source_ = dir_ / "scan.h5";
        const auto r = synth(source_, 300, 256, 1e6, 2);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        profile_.name = "fake";
        profile_.host = "localhost";
        profile_.scratch_dir = (dir_ / "scratch").string();
        profile_.resources.walltime = "00:10:00";
        auto store = JobStore::open(dir_ / "jobs.sqlite");
        QVERIFY(store.has_value());
        store_.emplace(std::move(*store));
        const std::string path = (dir_ / "bin").string() + ":" + qEnvironmentVariable("PATH").toStdString();
        host_.emplace(profile_, std::map<std::string, std::string>{{"PATH", path}});
    }

    void init() { fs::remove(state_ / "calls.log"); }

    // A done job's files in scratch are listed with sizes and removed, except an input another job that
    // is not done still uses; it goes with the last of them. Jobs not done keep everything.
    void scratchIsCleanedOnlyOfWhatNoJobNeeds() {
        auto a = submitted();
        auto b = submitted(); // the same input: one copy in scratch
        QCOMPARE(a.remote_input, b.remote_input);
        const auto input_dir = fs::path(a.remote_input).parent_path();
        QVERIFY(fs::exists(a.remote_input) && fs::exists(job_dir(a)) && fs::exists(job_dir(b)));
        QVERIFY(!remove_scratch(*store_, *host_, a, {a, b}, options_).has_value()); // a is not done

        a.state = JobState::done;
        QVERIFY(store_->update(a));
        auto listed = list_scratch(*host_, a, {a, b});
        QVERIFY2(listed, listed ? "" : listed.error().message.c_str());
        QCOMPARE(listed->size(), std::size_t{2});
        QCOMPARE(fs::path((*listed)[0].path), job_dir(a));
        QCOMPARE(fs::path((*listed)[1].path), input_dir);
        QVERIFY((*listed)[1].bytes >=
                static_cast<std::uint64_t>(fs::file_size(a.remote_input))); // and the directory
        QCOMPARE((*listed)[1].needed_by, std::vector<std::string>{b.id});
        QVERIFY2(scratch_text(*listed).find("the input stays: job " + b.id) != std::string::npos,
                 scratch_text(*listed).c_str());

        auto freed = remove_scratch(*store_, *host_, a, {a, b}, options_);
        QVERIFY2(freed, freed ? "" : freed.error().message.c_str());
        QVERIFY(*freed > 0);
        QVERIFY(!fs::exists(job_dir(a)));
        QVERIFY(fs::exists(a.remote_input) && fs::exists(job_dir(b))); // b still needs them
        QVERIFY2(store_->find(a.id).value()->message.find("removed from the cluster's scratch") !=
                     std::string::npos,
                 store_->find(a.id).value()->message.c_str());

        b.state = JobState::done;
        QVERIFY(store_->update(b));
        QVERIFY(remove_scratch(*store_, *host_, b, {a, b}, options_).has_value());
        QVERIFY(!fs::exists(input_dir) && !fs::exists(job_dir(b)));
        QVERIFY(fs::exists(source_)); // the user's own file is never touched
        auto none = list_scratch(*host_, b, {a, b});
        QVERIFY(none && none->empty());
    }

    // Upload (verified copy in scratch), job directory, one sbatch; a client that died before recording
    // the id gets the same id back from the job directory instead of a second job.
    void submitIsVerifiedAndIdempotent() {
        auto job = submitted();
        QCOMPARE(job.state, JobState::submitted);
        QCOMPARE(job.submissions, 1);
        QCOMPARE(*sha256_file(job.remote_input), job.input_sha256);
        QCOMPARE(read_text(job_dir(job) / "job.sh"), job.job_script);
        QCOMPARE(read_text(job_dir(job) / "recipe.json"), job.recipe_json);
        QCOMPARE(calls("sbatch").size(), std::size_t{1});

        auto again = job;
        again.state = JobState::uploading;
        again.submissions = 0;
        again.scheduler_id.clear();
        QVERIFY(stage_and_submit(*store_, *host_, again, options_).has_value());
        QCOMPARE(again.scheduler_id, job.scheduler_id);
        QCOMPARE(calls("sbatch").size(), std::size_t{1});
    }

    // One squeue for every job per poll; job directories say how far they got and how they ended;
    // sacct only for jobs that left the queue.
    void onePollForAllJobsAndTheStatusFileDecides() {
        auto a = submitted();
        auto b = submitted();
        write_file(state_ / "squeue.out", a.scheduler_id + "|RUNNING|None|0:02|10:00|sluice-a\n" +
                                              b.scheduler_id + "|PENDING|Resources|0:00|10:00|sluice-b\n");
        write_file(job_dir(a) / "progress.json",
                   R"({"state": "running", "rows_done": 120, "rows_total": 300})");
        std::vector<JobRecord> jobs{a, b};
        auto changed = poll_jobs(*store_, *host_, jobs, options_);
        QVERIFY2(changed.has_value(), changed ? "" : changed.error().message.c_str());
        QCOMPARE(jobs[0].state, JobState::running);
        QCOMPARE(jobs[0].rows_done, std::int64_t{120});
        QCOMPARE(jobs[1].state, JobState::pending);
        QVERIFY2(jobs[1].message.find("Resources") != std::string::npos, jobs[1].message.c_str());
        // The details people read: why b waits, how long a has run, when both were last seen.
        QCOMPARE(jobs[1].queue_reason, std::string("Resources"));
        QCOMPARE(jobs[0].queue_reason, std::string());
        QCOMPARE(jobs[0].elapsed_s, std::int64_t{2});
        QVERIFY(jobs[0].checked != WallClock::time_point{} && jobs[1].checked != WallClock::time_point{});
        QCOMPARE(calls("squeue").size(), std::size_t{1});
        QCOMPARE(calls("sacct").size(), std::size_t{0});

        // a finished and left the queue; its status file says completed.
        write_file(state_ / "squeue.out", b.scheduler_id + "|PENDING|Resources|0:00|10:00|sluice-b\n");
        write_file(state_ / "sacct.out", a.scheduler_id + "|COMPLETED|0:0|00:01:00\n");
        job_wrote(jobs[0], "completed", "0", 300);
        QVERIFY(poll_jobs(*store_, *host_, jobs, options_).has_value());
        QCOMPARE(jobs[0].state, JobState::completed);
        QCOMPARE(jobs[0].rows_done, std::int64_t{300});
        QCOMPARE(calls("squeue").size(), std::size_t{2});
        QCOMPARE(calls("sacct").size(), std::size_t{1});
        QVERIFY(calls("sacct").front().find(a.scheduler_id) != std::string::npos);
        const auto stored = store_->find(a.id);
        QCOMPARE((*stored)->state, JobState::completed);
        // Where and when it ran, from its status file, and its elapsed time from the history; kept.
        QCOMPARE((*stored)->node, std::string("n1"));
        QCOMPARE((*stored)->started, std::string("2026-12-04T10:00:00Z"));
        QCOMPARE((*stored)->ended, std::string("2026-12-04T10:01:00Z"));
        QCOMPARE((*stored)->elapsed_s, std::int64_t{60});
    }

    // A clean stop is resubmitted (a new sbatch, submission 2) only when the run made progress.
    void cleanStopsAreResubmittedOnlyAfterProgress() {
        auto j = submitted();
        fs::remove(state_ / "squeue.out");
        write_file(state_ / "sacct.out", j.scheduler_id + "|FAILED|3:0|00:01:00\n");
        job_wrote(j, "stopped", "3", 100);
        j = poll_one(j);
        QCOMPARE(j.state, JobState::resubmitted);
        QCOMPARE(j.submissions, 2);
        QCOMPARE(j.rows_at_submit, std::int64_t{100});
        QVERIFY(fs::exists(job_dir(j) / ".submission-2"));
        QVERIFY(fs::exists(job_dir(j) / "status.previous.json"));
        QCOMPARE(calls("sbatch").size(), std::size_t{2});

        write_file(state_ / "sacct.out", j.scheduler_id + "|FAILED|3:0|00:01:00\n");
        job_wrote(j, "stopped", "3", 100); // stopped again where it started
        j = poll_one(j);
        QCOMPARE(j.state, JobState::failed);
        QVERIFY2(j.message.find("without finishing a single block") != std::string::npos, j.message.c_str());
        QCOMPARE(calls("sbatch").size(), std::size_t{2});
    }

    // scancel makes the script stop the engine cleanly, but a cancelled job is never resubmitted.
    void cancelledJobsAreNeverResubmitted() {
        auto j = submitted();
        QVERIFY(cancel_job(*store_, *host_, j, options_).has_value());
        QCOMPARE(j.state, JobState::cancelled);
        QCOMPARE(calls("scancel"), std::vector<std::string>{"scancel " + j.scheduler_id});

        auto k = submitted();
        write_file(state_ / "squeue.out", k.scheduler_id + "|CANCELLED|None|0:01|10:00|sluice-k\n");
        job_wrote(k, "stopped", "3", 50);
        k = poll_one(k);
        QCOMPARE(k.state, JobState::cancelled);
        QCOMPARE(calls("sbatch").size(), std::size_t{2}); // the two submissions, nothing more
    }

    // The site purged the input while the job waited: the engine refused (exit 2), the input is sent
    // again and the job submitted anew.
    void purgedInputIsSentAgain() {
        auto j = submitted();
        fs::remove(j.remote_input);
        fs::remove(state_ / "squeue.out");
        write_file(state_ / "sacct.out", j.scheduler_id + "|FAILED|2:0|00:00:01\n");
        job_wrote(j, "failed", "2", 0);
        j = poll_one(j);
        QCOMPARE(j.state, JobState::submitted);
        QCOMPARE(j.submissions, 2);
        QCOMPARE(*sha256_file(j.remote_input), j.input_sha256);
        QCOMPARE(calls("sbatch").size(), std::size_t{2});
        const auto events = store_->events(j.id);
        QVERIFY(std::ranges::any_of(*events, [](const JobEvent& e) {
            return e.message.find("removed from the cluster's scratch") != std::string::npos;
        }));
    }

    // The result is copied, verified and renamed into place; a file already at the output is kept.
    void fetchVerifiesAndNeverReplaces() {
        auto j = submitted();
        write_file(state_ / "sacct.out", j.scheduler_id + "|COMPLETED|0:0|00:01:00\n");
        fs::remove(state_ / "squeue.out");
        job_wrote(j, "completed", "0", 300);
        j = poll_one(j);
        QCOMPARE(j.state, JobState::completed);
        write_file(job_dir(j) / "result.h5", "pretend this is HDF5");
        write_file(j.local_output, "the user's own file");
        QVERIFY(fetch_result(*store_, *host_, j, options_).has_value());
        QCOMPARE(j.state, JobState::done);
        QCOMPARE(read_text(j.local_output), std::string("pretend this is HDF5"));
        QCOMPARE(j.result_sha256, sha256_hex("pretend this is HDF5"));
        QCOMPARE(read_text(source_.parent_path() / "scan-filtered-000.h5"),
                 std::string("the user's own file"));
        QVERIFY(j.local_output != (source_.parent_path() / "scan-filtered-000.h5").string());
    }
};

QTEST_GUILESS_MAIN(TestJobsRunner)
#include "test_jobs_runner.moc"
