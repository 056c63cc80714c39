// shared/jobs scheduler commands and parsers. Slurm and PBS fixtures in tests/data are written from the
// documented output formats (their names say `.documented.`): there is no PBS in Debian, and real Slurm
// captures come with the test cluster.
#include "common/h5_fixtures.hpp"
#include "jobs/scheduler_commands.hpp"
#include "jobs/scheduler_parsers.hpp"
#include "jobs/status_file.hpp"

#include <QProcess>
#include <QtTest>
#include <fstream>
#include <map>
#include <sstream>

using namespace sluice;
using namespace sluice::jobs;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(fs::path(SLUICE_TEST_DATA_DIR) / name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::map<std::string, SchedulerJob> by_id(const std::vector<SchedulerJob>& jobs) {
    std::map<std::string, SchedulerJob> m;
    for (const auto& j : jobs)
        m.emplace(j.id, j);
    return m;
}

std::string sh(const std::string& script) {
    QProcess bash;
    bash.start("bash", {"-c", QString::fromStdString(script)});
    bash.waitForFinished(30000);
    return bash.readAllStandardOutput().toStdString();
}

} // namespace

class TestJobsScheduler : public QObject {
    Q_OBJECT
private slots:
    void submitCommands() {
        QCOMPARE(submit_command(Scheduler::slurm, "/s/sluice/jobs/j1"),
                 std::string("cd '/s/sluice/jobs/j1' && sbatch --parsable 'job.sh'\n"));
        QCOMPARE(submit_command(Scheduler::torque, "/s/it's here"),
                 std::string("cd '/s/it'\\''s here' && qsub 'job.sh'\n"));
        QCOMPARE(submit_command(Scheduler::pbs, "/s/it's here"),
                 std::string("cd '/s/it'\\''s here' && qsub $(sed -n 's/^#PBS //p' 'job.sh') -- /bin/bash -l "
                             "\"$PWD\"/'job.sh'\n"));
    }
    void submitOutputs() {
        QCOMPARE(*parse_submit_output(Scheduler::slurm, "4101\n"), std::string("4101"));
        QCOMPARE(*parse_submit_output(Scheduler::slurm, "4101;cluster2\n"), std::string("4101"));
        QCOMPARE(*parse_submit_output(Scheduler::slurm, "sbatch: warning: no --mem\n4102\n"),
                 std::string("4102"));
        QCOMPARE(*parse_submit_output(Scheduler::pbs, "1234.pbs01\n"), std::string("1234.pbs01"));
        QCOMPARE(*parse_submit_output(Scheduler::torque, "5101.torque01.example.org\n"),
                 std::string("5101.torque01.example.org"));
        auto r = parse_submit_output(Scheduler::slurm, "Submitted batch job 12\n");
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().message, std::string("cannot parse the sbatch output: 'Submitted batch job 12'"));
        QVERIFY(!parse_submit_output(Scheduler::pbs, "").has_value());
        QVERIFY(!parse_submit_output(Scheduler::pbs, "qsub: Unknown queue\n").has_value());
    }
    void cancelStopPollHistoryCommands() {
        QCOMPARE(*cancel_command(Scheduler::slurm, {"4101", "4102"}), std::string("scancel '4101' '4102'\n"));
        QCOMPARE(*cancel_command(Scheduler::pbs, {"1234.pbs01"}), std::string("qdel '1234.pbs01'\n"));
        QCOMPARE(*stop_command(Scheduler::slurm, "4101"), std::string("scancel -b -s USR1 '4101'\n"));
        QCOMPARE(*stop_command(Scheduler::torque, "5101.t"), std::string("qsig -s USR1 '5101.t'\n"));
        QCOMPARE(*poll_command(Scheduler::slurm, {}),
                 std::string("squeue --me -h -t all -o '%i|%T|%r|%M|%l|%j'\n"));
        QCOMPARE(*poll_command(Scheduler::pbs, {"1.a", "2.a"}),
                 std::string("qstat -f -x '1.a' '2.a' || [ $? -eq 153 ]\n"));
        QCOMPARE(*poll_command(Scheduler::torque, {"1.a"}),
                 std::string("qstat -f '1.a' || [ $? -eq 153 ]\n"));
        QVERIFY(!poll_command(Scheduler::pbs, {}).has_value());
        QCOMPARE(*history_command(Scheduler::slurm, {"4090", "4091"}),
                 std::string("sacct -j '4090,4091' -n -P -o JobID,State,ExitCode,Elapsed\n"));
        QCOMPARE(*history_command(Scheduler::pbs, {"1.a"}),
                 std::string("qstat -f -x '1.a' || [ $? -eq 153 ]\n"));
        for (const auto* id : {"$(id)", "1;id", "1 2", "1\n2", "", "`id`", "-1", "abc"}) {
            QVERIFY2(!cancel_command(Scheduler::slurm, {"1", id}).has_value(), id);
            QVERIFY(!history_command(Scheduler::slurm, {id}).has_value());
            QVERIFY(!poll_command(Scheduler::pbs, {id}).has_value());
            QVERIFY(!stop_command(Scheduler::pbs, id).has_value());
        }
    }
    void squeueFixture() {
        auto jobs = parse_squeue(fixture("slurm/squeue-me.documented.txt"));
        QVERIFY2(jobs.has_value(), jobs ? "" : jobs.error().message.c_str());
        QCOMPARE(jobs->size(), std::size_t(9));
        auto m = by_id(*jobs);
        QCOMPARE(m["4101"].state, JobState::pending);
        QCOMPARE(m["4101"].reason, std::string("Priority"));
        QCOMPARE(m["4102"].name, std::string("sluice-job b|with bar"));
        QCOMPARE(m["4099"].state, JobState::running);
        QVERIFY(m["4099"].reason.empty()); // "None"
        QCOMPARE(m["4099"].elapsed->count(), 754);
        QCOMPARE(m["4095"].state, JobState::running);
        QCOMPARE(m["4095"].elapsed->count(), 3723);
        QCOMPARE(m["4090"].state, JobState::completed);
        QCOMPARE(m["4091"].state, JobState::failed); // no exit code in squeue: status.json decides
        QCOMPARE(m["4092"].state, JobState::cancelled);
        QCOMPARE(m["4092"].elapsed->count(), 93784);
        QCOMPARE(m["4093"].state, JobState::stopped);
        QCOMPARE(m["4094"].state, JobState::running);
        QVERIFY(parse_squeue("")->empty());
    }
    void sacctFixture() {
        auto jobs = parse_sacct(fixture("slurm/sacct-j.documented.txt"));
        QVERIFY2(jobs.has_value(), jobs ? "" : jobs.error().message.c_str());
        QCOMPARE(jobs->size(), std::size_t(6)); // steps skipped
        auto m = by_id(*jobs);
        QCOMPARE(m["4090"].state, JobState::completed);
        QCOMPARE(m["4090"].exit_code, std::optional(0));
        QCOMPARE(m["4091"].state, JobState::stopped); // the engine's exit 3
        QCOMPARE(m["4096"].state, JobState::failed);
        QCOMPARE(m["4096"].exit_code, std::optional(2));
        QCOMPARE(m["4092"].state, JobState::cancelled);
        QCOMPARE(m["4092"].scheduler_state, std::string("CANCELLED by 1000"));
        QCOMPARE(m["4092"].exit_code, std::optional(143));
        QCOMPARE(m["4093"].state, JobState::stopped);
        QCOMPARE(m["4097"].state, JobState::failed);
    }
    // Captured from the test cluster's slurmctld (Slurm 22.05): sbatch --wrap jobs that slept, exited
    // 3, were cancelled while pending, succeeded, and one left pending.
    void capturedFromRealSlurm() {
        auto queue = parse_squeue(fixture("slurm/squeue-me.captured.txt"));
        QVERIFY2(queue.has_value(), queue ? "" : queue.error().message.c_str());
        auto m = by_id(*queue);
        QCOMPARE(m.size(), std::size_t(5));
        QCOMPARE(m["1"].state, JobState::running);
        QCOMPARE(m["1"].elapsed->count(), 2);
        QCOMPARE(m["2"].state, JobState::failed); // exit 3 is only in the history or status.json
        QCOMPARE(m["3"].state, JobState::cancelled);
        QCOMPARE(m["4"].state, JobState::completed);
        QCOMPARE(m["5"].state, JobState::pending);
        QCOMPARE(m["5"].reason, std::string("Resources"));
        // `sacct -c` (the jobcomp file) prints the same columns as sacct -j.
        auto past = parse_sacct(fixture("slurm/sacct-c.captured.txt"));
        QVERIFY2(past.has_value(), past ? "" : past.error().message.c_str());
        m = by_id(*past);
        QCOMPARE(m.size(), std::size_t(3));
        QCOMPARE(m["2"].state, JobState::stopped);
        QCOMPARE(m["2"].exit_code, std::optional(3));
        QCOMPARE(m["3"].state, JobState::cancelled);
        QCOMPARE(m["4"].state, JobState::completed);
        QCOMPARE(*parse_submit_output(Scheduler::slurm, "1\n"), std::string("1"));
    }
    void pbsProJsonFixture() {
        auto jobs = parse_pbs_qstat_json(fixture("pbs/qstat-f-F-json.documented.json"));
        QVERIFY2(jobs.has_value(), jobs ? "" : jobs.error().message.c_str());
        QCOMPARE(jobs->size(), std::size_t(8));
        auto m = by_id(*jobs);
        QCOMPARE(m["1234.pbs01"].state, JobState::running);
        QCOMPARE(m["1234.pbs01"].elapsed->count(), 605);
        QCOMPARE(m["1234.pbs01"].name, std::string("sluice-job-a"));
        QCOMPARE(m["1235.pbs01"].state, JobState::pending);
        QVERIFY(m["1235.pbs01"].reason.starts_with("Not Running: Insufficient"));
        QCOMPARE(m["1230.pbs01"].state, JobState::completed);
        QCOMPARE(m["1231.pbs01"].state, JobState::stopped);
        QCOMPARE(m["1232.pbs01"].state, JobState::stopped); // walltime (-29)
        QCOMPARE(m["1233.pbs01"].state, JobState::failed);
        QCOMPARE(m["1233.pbs01"].exit_code, std::optional(143)); // 256 + SIGTERM
        QCOMPARE(m["1229.pbs01"].state, JobState::cancelled);    // deleted before it ran
        QCOMPARE(m["1228.pbs01"].state, JobState::pending);
        auto empty = parse_pbs_qstat_json(fixture("pbs/qstat-f-F-json-empty.documented.json"));
        QVERIFY(empty.has_value() && empty->empty());
    }
    // Captured from the test OpenPBS (tests/cluster/pbs_up.sh, OpenPBS 23.06): `qstat -f -x` for jobs that
    // exited 0 and 3, were deleted while held (no Exit_status) and while running (271 = 256 + SIGTERM),
    // exceeded their walltime (-29), were killed by qsig -s USR1 without a trap (266), and one running.
    void capturedFromRealOpenPbs() {
        auto jobs = parse_poll_output(Scheduler::pbs, fixture("pbs/qstat-f-x.openpbs-23.06.txt"));
        QVERIFY2(jobs.has_value(), jobs ? "" : jobs.error().message.c_str());
        auto m = by_id(*jobs);
        QCOMPARE(m.size(), std::size_t(8));
        QCOMPARE(m["8.vm"].state, JobState::completed);
        QCOMPARE(m["8.vm"].name, std::string("probe"));
        QCOMPARE(m["8.vm"].elapsed->count(), 1);
        QCOMPARE(m["9.vm"].state, JobState::stopped);
        QCOMPARE(m["9.vm"].exit_code, std::optional(3));
        QCOMPARE(m["15.vm"].state, JobState::cancelled);
        QCOMPARE(m["11.vm"].state, JobState::failed);
        QCOMPARE(m["11.vm"].exit_code, std::optional(143));
        QCOMPARE(m["10.vm"].state, JobState::stopped); // walltime
        QVERIFY2(m["10.vm"].reason.ends_with("exceeded resource walltime"), m["10.vm"].reason.c_str());
        QCOMPARE(m["12.vm"].exit_code, std::optional(138)); // 128 + SIGUSR1
        QCOMPARE(m["13.vm"].state, JobState::running);
        QCOMPARE(parse_history_output(Scheduler::pbs, fixture("pbs/qstat-f-x.openpbs-23.06.txt"))->size(),
                 std::size_t(8));
        // -F json is what the documentation suggests, and it reads one job fine...
        auto one = parse_pbs_qstat_json(fixture("pbs/qstat-f-F-json-running.openpbs-23.06.json"));
        QVERIFY2(one.has_value(), one ? "" : one.error().message.c_str());
        QCOMPARE(one->size(), std::size_t(1));
        QCOMPARE(one->front().state, JobState::running);
        // ...but asked for seven ids OpenPBS prints the first one only: polls read text.
        auto seven = parse_pbs_qstat_json(fixture("pbs/qstat-f-F-json-x-seven-ids.openpbs-23.06.json"));
        QVERIFY2(seven.has_value(), seven ? "" : seven.error().message.c_str());
        QCOMPARE(seven->size(), std::size_t(1));
    }
    void torqueTextFixture() {
        auto jobs = parse_qstat_full_text(fixture("pbs/qstat-f-torque.documented.txt"), Scheduler::torque);
        QVERIFY2(jobs.has_value(), jobs ? "" : jobs.error().message.c_str());
        QCOMPARE(jobs->size(), std::size_t(6));
        auto m = by_id(*jobs);
        const auto a = m["5101.torque01.example.org"];
        QCOMPARE(a.state, JobState::running);
        QCOMPARE(a.elapsed->count(), 605);
        QCOMPARE(a.name, std::string("sluice-job-a"));
        QCOMPARE(m["5102.torque01.example.org"].state, JobState::pending);
        QCOMPARE(m["5099.torque01.example.org"].state, JobState::completed);
        QCOMPARE(m["5098.torque01.example.org"].state, JobState::stopped);
        QCOMPARE(m["5097.torque01.example.org"].state, JobState::stopped); // walltime (-11)
        QCOMPARE(m["5096.torque01.example.org"].state, JobState::failed);
        QCOMPARE(m["5096.torque01.example.org"].exit_code, std::optional(137));
        QCOMPARE(
            parse_history_output(Scheduler::torque, fixture("pbs/qstat-f-torque.documented.txt"))->size(),
            std::size_t(6));
    }
    void garbageQuotesTheFirstBadLine_data() {
        QTest::addColumn<int>("parser");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("squeue prose") << 0 << "hello world\n"
                                      << "cannot parse squeue output, line 1: 'hello world'";
        QTest::newRow("squeue second line")
            << 0 << "1|RUNNING|None|0:01|1:00:00|a\nslurm_load_jobs error: Socket timed out\n"
            << "cannot parse squeue output, line 2: 'slurm_load_jobs error: Socket timed out'";
        QTest::newRow("squeue state")
            << 0 << "1|DANCING|None|0:01|1:00:00|a\n"
            << "cannot parse squeue output, line 1: '1|DANCING|None|0:01|1:00:00|a': "
               "unknown Slurm job state 'DANCING'";
        QTest::newRow("squeue time") << 0 << "1|RUNNING|None|soon|1:00:00|a\n"
                                     << "cannot parse squeue output, line 1: '1|RUNNING|None|soon|1:00:00|a'";
        QTest::newRow("sacct fields") << 1 << "4090|COMPLETED|0:0\n"
                                      << "cannot parse sacct output, line 1: '4090|COMPLETED|0:0'";
        QTest::newRow("sacct code") << 1 << "4090|COMPLETED|zero|00:01:00\n"
                                    << "cannot parse sacct output, line 1: '4090|COMPLETED|zero|00:01:00'";
        QTest::newRow("qstat json html") << 2 << "<html>\n<body>503</body>\n"
                                         << "cannot parse qstat -F json output, line 1: '<html>'";
        QTest::newRow("qstat json state")
            << 2 << R"({"Jobs": {"1.a": {"job_state": "Z"}}})"
            << "cannot parse qstat -F json output, line 1: 'job 1.a': unknown PBS";
        QTest::newRow("qstat json exit")
            << 2 << R"({"Jobs": {"1.a": {"job_state": "F", "Exit_status": []}}})"
            << "cannot parse qstat -F json output, line 1: 'job 1.a': Exit_status";
        QTest::newRow("torque junk") << 3 << "Job Id: 1.a\n    job_state = R\nwhat is this\n"
                                     << "cannot parse qstat -f output, line 3: 'what is this'";
        QTest::newRow("torque no header") << 3 << "    job_state = R\n"
                                          << "cannot parse qstat -f output, line 1: '    job_state = R'";
        QTest::newRow("torque state") << 3 << "\nJob Id: 1.a\n    job_state = Z\n"
                                      << "cannot parse qstat -f output, line 2: 'Job Id: 1.a': unknown PBS";
        QTest::newRow("torque exit") << 3 << "Job Id: 1.a\n    job_state = C\n    exit_status = x\n"
                                     << "cannot parse qstat -f output, line 1: 'Job Id: 1.a'";
    }
    void garbageQuotesTheFirstBadLine() {
        QFETCH(int, parser);
        QFETCH(QString, text);
        QFETCH(QString, message);
        const auto t = text.toStdString();
        const auto r = parser == 0   ? parse_squeue(t)
                       : parser == 1 ? parse_sacct(t)
                       : parser == 2 ? parse_pbs_qstat_json(t)
                                     : parse_qstat_full_text(t, Scheduler::torque);
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.starts_with(message.toStdString()), r.error().message.c_str());
    }
    void unknownPbsIdsFromStderr() {
        const auto ids = unknown_pbs_job_ids("qstat: Unknown Job Id 1227.pbs01\n"
                                             "qstat: Unknown Job Id Error 5095.torque01.example.org\n"
                                             "qstat: 1228.pbs01 Job has finished, use -x or -H\n");
        QVERIFY(ids == std::vector<std::string>({"1227.pbs01", "5095.torque01.example.org"}));
    }
    void statusFileParsing() {
        auto s = parse_status_file(R"({"state": "stopped", "exit_code": 3, "started": "2024-05-29T10:00:05Z",
            "ended": "2024-05-29T10:55:00Z", "host": "node01", "engine_progress": "progress.json"})");
        QVERIFY(s.has_value());
        QCOMPARE(s->state, JobState::stopped);
        QCOMPARE(s->exit_code, std::optional(3));
        QCOMPARE(s->ended, std::optional<std::string>("2024-05-29T10:55:00Z"));
        QCOMPARE(s->host, std::string("node01"));
        s = parse_status_file(R"({"state": "running", "exit_code": null, "started": "x", "ended": null})");
        QVERIFY(s.has_value() && !s->exit_code && !s->ended);
        QCOMPARE(parse_status_file("garbage").error().message,
                 std::string("cannot parse status.json: not a JSON object: 'garbage'"));
        QVERIFY(parse_status_file(R"({"state": "happy", "started": "x"})").error().message.find("'happy'") !=
                std::string::npos);
        QVERIFY(parse_status_file(R"({"state": "failed"})").error().message.find("no started") !=
                std::string::npos);
    }
    void statusListingRoundTripThroughBash() {
        test::TempDir dir;
        ClusterProfile p;
        p.scratch_dir = (dir / "scratch $(touch pwned) 'x'").string();
        for (const auto* id : {"j1", "j2", "j3"})
            fs::create_directories(fs::path(job_directory(p, id)));
        std::ofstream(fs::path(job_directory(p, "j1")) / "status.json")
            << R"({"state": "completed", "exit_code": 0, "started": "a", "ended": "b", "host": "n1",)" << '\n'
            << R"( "engine_progress": "progress.json"})" << '\n';
        std::ofstream(fs::path(job_directory(p, "j1")) / "progress.json")
            << R"({"state": "done", "rows_done": 300, "rows_total": 300, "rows_per_s": 12.5,)" << '\n'
            << R"( "eta_s": 0, "updated": "2026-11-23T12:00:00Z"})";
        std::ofstream(fs::path(job_directory(p, "j2")) / "progress.json")
            << R"({"state": "running", "rows_done": 7, "rows_total": 300})";
        std::ofstream(fs::path(job_directory(p, "j3")) / "status.json") << "{broken";
        auto script = read_status_command(p, {"j1", "j2", "j3"});
        QVERIFY(script.has_value());
        auto listing = parse_status_listing(sh(*script));
        QVERIFY2(listing.has_value(), listing ? "" : listing.error().message.c_str());
        QCOMPARE(listing->size(), std::size_t(3));
        QCOMPARE(listing->at("j1").status->value().state, JobState::completed);
        QCOMPARE(listing->at("j1").progress->value().rows_done, std::int64_t(300));
        QCOMPARE(listing->at("j1").progress->value().rows_per_s, 12.5);
        QVERIFY(!listing->at("j2").status.has_value()); // running: no status file yet
        QCOMPARE(listing->at("j2").progress->value().rows_done, std::int64_t(7));
        QVERIFY(!listing->at("j3").status->has_value());
        QVERIFY(!listing->at("j3").progress.has_value());
        QVERIFY(!fs::exists(dir / "pwned") && !fs::exists(fs::current_path() / "pwned"));
        QVERIFY(!read_status_command(p, {"../etc"}).has_value());
        QVERIFY(!parse_status_listing("no-json-here\n").has_value());
        QVERIFY(!parse_status_listing("j1 other {}\n").has_value());
        QVERIFY(!parse_engine_progress(R"({"state": "running", "rows_done": -1, "rows_total": 3})"));

        // With the inputs' paths it also says which inputs a purge of scratch took away.
        const auto kept = dir / "input $(touch pwned2).h5";
        std::ofstream(kept) << "x";
        script = read_status_command(p, {"j1", "j2"}, {kept.string(), (dir / "purged.h5").string()});
        QVERIFY(script.has_value());
        listing = parse_status_listing(sh(*script));
        QVERIFY2(listing.has_value(), listing ? "" : listing.error().message.c_str());
        QCOMPARE(listing->at("j1").input_present, std::optional<bool>(true));
        QCOMPARE(listing->at("j2").input_present, std::optional<bool>(false));
        QVERIFY(!fs::exists(dir / "pwned2") && !fs::exists(fs::current_path() / "pwned2"));
        QVERIFY(!read_status_command(p, {"j1", "j2"}, {kept.string()}).has_value());
        QVERIFY(!parse_status_listing("j1 input gone\n").has_value());
    }
};

QTEST_GUILESS_MAIN(TestJobsScheduler)
#include "test_jobs_scheduler.moc"
