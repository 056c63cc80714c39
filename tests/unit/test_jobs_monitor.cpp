// JobMonitor's poll times under an injected clock, and what observations of the queue, the scheduler's
// history and the job directory mean for a job (reconcile, after_stop).
#include "jobs/job_monitor.hpp"

#include <QTest>

using namespace sluice;
using namespace sluice::jobs;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
    MonotonicClock::time_point t{std::chrono::hours(1000)};
    JobMonitor::Now fn() {
        return [this] { return t; };
    }
};

SchedulerJob sched(JobState s, std::string words, std::optional<int> exit_code = std::nullopt) {
    SchedulerJob j;
    j.id = "77";
    j.state = s;
    j.scheduler_state = std::move(words);
    j.exit_code = exit_code;
    return j;
}

JobStatusFile status(JobState s, std::optional<int> code) {
    JobStatusFile f;
    f.state = s;
    f.exit_code = code;
    f.started = "2026-11-23T10:00:00Z";
    f.ended = "2026-11-23T10:05:00Z";
    f.host = "node7";
    return f;
}

JobRecord running_job() {
    JobRecord j;
    j.id = "job";
    j.state = JobState::running;
    j.scheduler_id = "77";
    j.submissions = 1;
    j.rows_total = 100;
    return j;
}

} // namespace

class TestJobsMonitor : public QObject {
    Q_OBJECT
private slots:
    void backsOffWhileNothingChanges() {
        FakeClock clock;
        JobMonitor m(clock.fn());
        QVERIFY(m.due().empty());
        QVERIFY(!m.next_due());
        m.watch("hpc");
        QCOMPARE(m.due(), std::vector<std::string>{"hpc"}); // a new cluster is asked at once
        std::vector<long> waits;
        for (int i = 0; i < 7; ++i) {
            m.polled("hpc", false);
            waits.push_back(static_cast<long>(m.interval("hpc").count()));
            QVERIFY(m.due().empty());
            clock.t = *m.next_due();
            QCOMPARE(m.due(), std::vector<std::string>{"hpc"});
        }
        QCOMPARE(waits, (std::vector<long>{10, 20, 40, 60, 60, 60, 60}));
        m.polled("hpc", true); // a change: look again soon
        QCOMPARE(m.interval("hpc"), 5s);
    }

    // "Check now": due at once, but never more often than every 2 s.
    void hurryPollsAtOnceButRateLimited() {
        FakeClock clock;
        JobMonitor m(clock.fn());
        m.watch("hpc");
        m.polled("hpc", false);
        m.polled("hpc", false); // now 20 s away
        clock.t += 1s;
        m.hurry("hpc");
        QVERIFY(m.due().empty()); // 1 s after the last poll
        clock.t += 1s;
        QCOMPARE(m.due(), std::vector<std::string>{"hpc"});
        m.polled("hpc", false);
        QCOMPARE(m.interval("hpc"), 10s); // back to the short interval after being hurried
    }

    void failuresBackOffToFiveMinutesAndRecover() {
        FakeClock clock;
        JobMonitor m(clock.fn());
        m.watch("hpc");
        std::vector<long> waits;
        for (int i = 0; i < 7; ++i) {
            m.failed("hpc");
            waits.push_back(static_cast<long>(m.interval("hpc").count()));
            clock.t = *m.next_due();
        }
        QCOMPARE(waits, (std::vector<long>{10, 20, 40, 80, 160, 300, 300}));
        QCOMPARE(m.failures("hpc"), 7);
        m.polled("hpc", false);
        QCOMPARE(m.failures("hpc"), 0);
        QCOMPARE(m.interval("hpc"), 10s);
    }

    void clustersKeepTheirOwnSchedules() {
        FakeClock clock;
        JobMonitor m(clock.fn());
        m.watch("a");
        m.watch("b");
        QCOMPARE(m.due().size(), std::size_t(2));
        m.polled("a", true); // due in 5 s
        m.failed("b");       // due in 10 s
        clock.t += 5s;
        QCOMPARE(m.due(), std::vector<std::string>{"a"});
        m.nudge("b"); // a submit on b: asked within 5 s, not after the error backoff
        QCOMPARE(*m.next_due(), clock.t);
        clock.t += 5s;
        QCOMPARE(m.due().size(), std::size_t(2));
        m.forget("a");
        QCOMPARE(m.due(), std::vector<std::string>{"b"});
    }

    void queueStatesPassThrough() {
        auto j = running_job();
        j.state = JobState::submitted;
        Observation seen;
        seen.queue = sched(JobState::pending, "PENDING");
        seen.queue->reason = "Resources";
        auto r = reconcile(j, seen);
        QCOMPARE(r.state, JobState::pending);
        QVERIFY(r.message.find("Resources") != std::string::npos);
        seen.queue = sched(JobState::running, "RUNNING");
        EngineProgress p;
        p.state = "running";
        p.rows_done = 40;
        p.rows_total = 100;
        seen.files.progress = p;
        r = reconcile(j, seen);
        QCOMPARE(r.state, JobState::running);
        QCOMPARE(r.rows_done, std::int64_t(40));
        QVERIFY(r.message.find("40 of 100") != std::string::npos);
    }

    void statusFileDecidesHowTheEngineEnded() {
        Observation seen;
        seen.queue = sched(JobState::failed, "FAILED"); // squeue has no exit code
        seen.files.status = status(JobState::stopped, 3);
        auto r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::stopped);
        QCOMPARE(r.exit_code, std::optional<int>(3));
        seen.files.status = status(JobState::failed, 2);
        r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::failed);
        QVERIFY2(r.message.find("exit code 2") != std::string::npos, r.message.c_str());
        seen.files.status = status(JobState::completed, 0);
        QCOMPARE(reconcile(running_job(), seen).state, JobState::completed);
        // scancel: the script stops the engine cleanly (exit 3), but the job was cancelled, not stopped.
        seen.queue = sched(JobState::cancelled, "CANCELLED by 0");
        seen.files.status = status(JobState::stopped, 3);
        QCOMPARE(reconcile(running_job(), seen).state, JobState::cancelled);
    }

    // PBS at the walltime: SIGTERM to every process of the job, so mpiexec fails and the script records
    // that before the server has ended the job. The scheduler's verdict (Exit_status -29) decides.
    void failureAtTheWalltimeIsResumable() {
        Observation seen;
        seen.queue = sched(JobState::running, "E");
        seen.files.status = status(JobState::failed, 1);
        auto r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::running); // not failed yet: the server has not decided
        seen.queue = sched(JobState::stopped, "F", -29);
        r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::stopped);
        QVERIFY2(r.message.find("resumable") != std::string::npos, r.message.c_str());
        // Any other end keeps the script's own account of the failure.
        seen.queue = sched(JobState::failed, "F", 1);
        r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::failed);
        QVERIFY2(r.message.find("sluice-engine ended with exit code 1") != std::string::npos,
                 r.message.c_str());
    }

    void killedBeforeWritingItsStatus() {
        Observation seen;
        seen.history = sched(JobState::stopped, "TIMEOUT");
        seen.files.status = status(JobState::running, std::nullopt);
        (*seen.files.status)->ended.reset(); // SIGKILL at walltime: the status still says running
        auto r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::stopped);
        QVERIFY(r.message.find("resumable") != std::string::npos);
        seen.history = sched(JobState::failed, "OUT_OF_MEMORY", 137);
        r = reconcile(running_job(), seen);
        QCOMPARE(r.state, JobState::failed);
        QVERIFY2(r.message.find("signal 9") != std::string::npos, r.message.c_str());
        seen.history = sched(JobState::cancelled, "CANCELLED by 1000");
        QCOMPARE(reconcile(running_job(), seen).state, JobState::cancelled);
    }

    void unknownJobStaysAsItIs() {
        const auto j = running_job();
        const auto r = reconcile(j, Observation{});
        QCOMPARE(r.state, j.state);
        QCOMPARE(r.message, j.message);
    }

    void resubmitOnlyAfterProgressAndWithinTheLimit() {
        auto j = running_job();
        j.state = JobState::stopped;
        j.rows_at_submit = 10;
        j.rows_done = 10;
        QCOMPARE(after_stop(j, 5), AfterStop::give_up_no_progress);
        j.rows_done = 11;
        QCOMPARE(after_stop(j, 5), AfterStop::resubmit);
        j.submissions = 6; // the first submission and five resubmissions
        QCOMPARE(after_stop(j, 5), AfterStop::give_up_too_many);
        j.submissions = 1;
        QCOMPARE(after_stop(j, 0), AfterStop::give_up_too_many);
    }
};

QTEST_GUILESS_MAIN(TestJobsMonitor)
#include "test_jobs_monitor.moc"
