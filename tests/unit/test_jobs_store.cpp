// JobStore on real SQLite files: round trips, events, two processes writing at once, the polling lease.
#include "common/h5_fixtures.hpp"
#include "jobs/job_store.hpp"

#include <QTest>
#include <fmt/format.h>
#include <fstream>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::jobs;
namespace fs = std::filesystem;

namespace {

JobRecord sample(const std::string& id) {
    JobRecord j;
    j.id = id;
    j.profile = "hpc 'one'";
    j.state = JobState::draft;
    j.local_input = "/data/tip scan $(x).h5";
    j.dataset = "/Measurement_000/Channel_000/Raw_Data";
    j.recipe_json = R"({"format": "sluice-recipe", "version": 1, "filters": []})";
    j.input_sha256 = std::string(64, 'a');
    j.job_script = "#!/bin/bash\n#SBATCH --time=01:00:00\nsrun sluice-engine …\n";
    j.rows_total = 4096;
    j.message = "planned — ünïcode";
    j.created = j.updated = WallClock::now();
    return j;
}

} // namespace

class TestJobsStore : public QObject {
    Q_OBJECT
private slots:
    void roundTripEveryField() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "sub/dir/jobs.sqlite");
        QVERIFY2(store, store ? "" : store.error().message.c_str());
        auto j = sample("20261123-120000-abcdef");
        j.exit_code = 3;
        j.rows_done = 17;
        j.rows_at_submit = 5;
        j.submissions = 2;
        j.scheduler_id = "123_4";
        j.resources_json = R"({"nodes": 2})";
        j.merged_into = "/data/scan.h5 as /Measurement_000/Channel_000/Raw_Data-FFT_Filtering_001";
        j.node = "node17";
        j.queue_reason = "Resources";
        j.started = "2026-11-23T12:01:00Z";
        j.ended = "2026-11-23T12:09:30Z";
        j.elapsed_s = 510;
        j.checked = WallClock::time_point(std::chrono::milliseconds(1'700'000'123'456));
        QVERIFY(store->insert(j));
        auto back = store->find(j.id);
        QVERIFY(back && *back);
        const auto& b = **back;
        QCOMPARE(b.profile, j.profile);
        QCOMPARE(b.local_input, j.local_input);
        QCOMPARE(b.job_script, j.job_script);
        QCOMPARE(b.message, j.message);
        QCOMPARE(b.exit_code, std::optional<int>(3));
        QCOMPARE(b.rows_done, std::int64_t(17));
        QCOMPARE(b.rows_at_submit, std::int64_t(5));
        QCOMPARE(b.submissions, 2);
        QCOMPARE(b.scheduler_id, j.scheduler_id);
        QCOMPARE(b.resources_json, j.resources_json);
        QCOMPARE(b.merged_into, j.merged_into);
        QCOMPARE(b.node, j.node);
        QCOMPARE(b.queue_reason, j.queue_reason);
        QCOMPARE(b.started, j.started);
        QCOMPARE(b.ended, j.ended);
        QCOMPARE(b.elapsed_s, std::int64_t(510));
        QVERIFY(b.checked == j.checked);
        QCOMPARE(b.state, j.state);
        QCOMPARE(b.dataset, j.dataset);
        QCOMPARE(b.recipe_json, j.recipe_json);
        // Milliseconds are what the store keeps.
        QCOMPARE(std::chrono::duration_cast<std::chrono::milliseconds>(b.created.time_since_epoch()),
                 std::chrono::duration_cast<std::chrono::milliseconds>(j.created.time_since_epoch()));
        QVERIFY(!store->find("nope").value().has_value());
    }

    void duplicateIdRefused() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        QVERIFY(store->insert(sample("a")));
        auto again = store->insert(sample("a"));
        QVERIFY(!again);
        QCOMPARE(again.error().kind, ErrorKind::refused);
        QVERIFY(again.error().message.find("exists already") != std::string::npos);
    }

    void updatesRecordEventsOnlyWhenSomethingHappened() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        auto j = sample("j1");
        QVERIFY(store->insert(j));
        j.state = JobState::uploading;
        j.message = "uploading";
        QVERIFY(store->update(j));
        j.rows_done = 10; // progress alone is not an event
        QVERIFY(store->update(j));
        j.state = JobState::submitted;
        j.message = "submitted as 7";
        QVERIFY(store->update(j));
        auto events = store->events("j1");
        QVERIFY(events);
        QCOMPARE(events->size(), std::size_t(3));
        QCOMPARE((*events)[0].state, JobState::draft);
        QCOMPARE((*events)[1].state, JobState::uploading);
        QCOMPARE((*events)[2].message, std::string("submitted as 7"));
        QCOMPARE(store->find("j1").value()->rows_done, std::int64_t(10));
        auto missing = sample("ghost");
        QVERIFY(!store->update(missing));
    }

    void survivesReopenAndListsOldestFirst() {
        test::TempDir dir;
        {
            auto store = JobStore::open(dir / "jobs.sqlite");
            auto b = sample("b");
            b.created = WallClock::now();
            auto a = sample("a");
            a.created = b.created + std::chrono::seconds(1);
            QVERIFY(store->insert(a));
            QVERIFY(store->insert(b));
        }
        auto store = JobStore::open(dir / "jobs.sqlite");
        auto all = store->list();
        QVERIFY(all);
        QCOMPARE(all->size(), std::size_t(2));
        QCOMPARE(all->front().id, std::string("b"));
    }

    // The GUI and sluice-cli write at the same time: WAL + busy timeout serialise them, nothing is lost.
    void twoProcessesWritingAtOnce() {
        test::TempDir dir;
        const auto file = dir / "jobs.sqlite";
        QVERIFY(JobStore::open(file));
        constexpr int per_process = 200;
        std::vector<pid_t> children;
        for (int p = 0; p < 2; ++p) {
            const pid_t pid = ::fork();
            QVERIFY(pid >= 0);
            if (pid == 0) {
                auto store = JobStore::open(file);
                if (!store) ::_exit(10);
                for (int i = 0; i < per_process; ++i) {
                    auto j = sample(fmt::format("p{}-{}", p, i));
                    if (!store->insert(j)) ::_exit(11);
                    j.state = JobState::submitted;
                    if (!store->update(j)) ::_exit(12);
                }
                ::_exit(0);
            }
            children.push_back(pid);
        }
        for (const pid_t pid : children) {
            int status = 0;
            QCOMPARE(::waitpid(pid, &status, 0), pid);
            QVERIFY(WIFEXITED(status));
            QCOMPARE(WEXITSTATUS(status), 0);
        }
        auto store = JobStore::open(file);
        auto all = store->list();
        QCOMPARE(all->size(), std::size_t(2 * per_process));
        for (const auto& j : *all)
            QCOMPARE(j.state, JobState::submitted);
    }

    void leaseForOneProcessAtATime() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        const auto now = WallClock::now();
        const Lease me = this_process_lease(now);
        QVERIFY(store->acquire_lease(me, std::chrono::seconds(60)).value());
        // Another live process on this host (our parent) cannot take it while the heartbeat is fresh…
        Lease other{::getppid(), me.host, now + std::chrono::seconds(30)};
        QVERIFY(!store->acquire_lease(other, std::chrono::seconds(60)).value());
        QCOMPARE(store->renew_lease(other).error().kind, ErrorKind::refused);
        // …but can once it is stale; the old holder then learns it lost the lease.
        other.heartbeat = now + std::chrono::seconds(61);
        QVERIFY(store->acquire_lease(other, std::chrono::seconds(60)).value());
        QCOMPARE(store->renew_lease(me).error().kind, ErrorKind::refused);
        QCOMPARE(store->lease().value()->pid, std::int64_t(::getppid()));
        QVERIFY(store->release_lease(other));
        QVERIFY(!store->lease().value().has_value());
    }

    void leaseOfADeadProcessIsTakenAtOnce() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        const pid_t child = ::fork();
        if (child == 0) ::_exit(0);
        ::waitpid(child, nullptr, 0);
        const auto now = WallClock::now();
        Lease dead{child, this_process_lease(now).host, now};
        QVERIFY(store->acquire_lease(dead, std::chrono::seconds(60)).value());
        QVERIFY(store->acquire_lease(this_process_lease(now), std::chrono::seconds(60)).value());
        QCOMPARE(store->lease().value()->pid, std::int64_t(::getpid()));
    }

    // A store written by the previous Sluice (schema 1) is brought up to date in place, jobs kept.
    void olderSchemaIsMigrated() {
        test::TempDir dir;
        const auto file = dir / "jobs.sqlite";
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        const char* v1 = R"sql(
CREATE TABLE jobs (id TEXT PRIMARY KEY, profile TEXT NOT NULL, state TEXT NOT NULL, scheduler_id TEXT NOT NULL,
    submissions INTEGER NOT NULL, local_input TEXT NOT NULL, dataset TEXT NOT NULL, recipe_json TEXT NOT NULL,
    input_sha256 TEXT NOT NULL, remote_input TEXT NOT NULL, local_output TEXT NOT NULL, result_sha256 TEXT NOT NULL,
    resources_json TEXT NOT NULL, job_script TEXT NOT NULL, rows_done INTEGER NOT NULL, rows_total INTEGER NOT NULL,
    rows_at_submit INTEGER NOT NULL, exit_code INTEGER, message TEXT NOT NULL, created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL);
CREATE TABLE events (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, at_ms INTEGER NOT NULL,
    state TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE lease (name TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, heartbeat_ms INTEGER NOT NULL);
INSERT INTO jobs VALUES ('old-1', 'hpc', 'done', '77', 1, '/d/in.h5', '/Raw_Data', '{}', 'ab', '/s/in.h5',
    '/d/out.h5', 'cd', '{}', '#!/bin/bash', 10, 10, 0, 0, 'result in /d/out.h5', 1000, 2000);
PRAGMA user_version = 1;
)sql";
        QCOMPARE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        auto store = JobStore::open(file);
        QVERIFY2(store, store ? "" : store.error().message.c_str());
        auto old = store->find("old-1");
        QVERIFY(old && *old);
        QCOMPARE((*old)->local_output, std::string("/d/out.h5"));
        QCOMPARE((*old)->merged_into, std::string());
        QCOMPARE((*old)->elapsed_s, std::int64_t(-1)); // schema 3's columns, unknown for old jobs
        QCOMPARE((*old)->node, std::string());
        QCOMPARE((*old)->kind, JobKind::filter); // schema 4: every older job was a filter run
        auto j = **old;
        j.merged_into = "/d/in.h5 as /Raw_Data-FFT_Filtering_000";
        QVERIFY(store->update(j));
        QCOMPARE(store->find("old-1").value()->merged_into, j.merged_into);
        // Schema 4's studies table is there and empty.
        QVERIFY(store->studies("hpc").value().empty());
        QVERIFY(store->add_study({"old-1", "hpc", 10, 4, "ab", WallClock::now(), "{}"}));
        QCOMPARE(store->studies("hpc").value().size(), std::size_t(1));
        store = JobStore::open(file); // opening an up-to-date store changes nothing
        QVERIFY(store);
        QCOMPARE(store->studies("hpc").value().front().points, std::int64_t(4));
    }

    // A schema-3 store (the last before studies) keeps its jobs and their schema-3 details.
    void schema3IsMigrated() {
        test::TempDir dir;
        const auto file = dir / "jobs.sqlite";
        {
            auto store = JobStore::open(file);
            QVERIFY(store);
            auto j = sample("20261123-120000-000009");
            j.node = "n01";
            QVERIFY(store->insert(j));
        }
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        // Back to what schema 3 had: no kind column, no studies table.
        QCOMPARE(sqlite3_exec(db,
                              "ALTER TABLE jobs DROP COLUMN kind; DROP TABLE scaling_studies; "
                              "PRAGMA user_version = 3",
                              nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        auto store = JobStore::open(file);
        QVERIFY2(store, store ? "" : store.error().message.c_str());
        auto j = store->find("20261123-120000-000009").value();
        QVERIFY(j);
        QCOMPARE(j->node, std::string("n01"));
        QCOMPARE(j->kind, JobKind::filter);
        auto study = *j;
        study.id = "20261123-120000-00000a";
        study.kind = JobKind::scaling;
        QVERIFY(store->insert(study));
        QCOMPARE(store->find(study.id).value()->kind, JobKind::scaling);
    }

    void removedJobsAreGoneWithTheirEvents() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        QVERIFY(store);
        auto j = sample("20261123-120000-000001");
        QVERIFY(store->insert(j));
        QVERIFY(store->remove(j.id));
        QVERIFY(!store->find(j.id).value().has_value());
        QVERIFY(store->events(j.id).value().empty());
        QCOMPARE(store->remove(j.id).error().kind, ErrorKind::bad_input);
    }

    void newerSchemaRefusedNotDamaged() {
        test::TempDir dir;
        const auto file = dir / "jobs.sqlite";
        QVERIFY(JobStore::open(file));
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        auto store = JobStore::open(file);
        QVERIFY(!store);
        QCOMPARE(store.error().kind, ErrorKind::refused);
        QVERIFY(store.error().message.find("newer Sluice") != std::string::npos);
    }

    void garbageFileIsAClearError() {
        test::TempDir dir;
        const auto file = dir / "jobs.sqlite";
        std::ofstream(file) << std::string(4096, 'x');
        auto store = JobStore::open(file);
        QVERIFY(!store);
        QVERIFY2(store.error().message.find(file.string()) != std::string::npos,
                 store.error().message.c_str());
    }

    void jobIdsAreSortableAndUnique() {
        const auto t = WallClock::now();
        const auto a = new_job_id(t), b = new_job_id(t), c = new_job_id(t + std::chrono::seconds(1));
        QVERIFY(a != b);
        QCOMPARE(a.size(), std::size_t(22));
        QVERIFY(a.substr(0, 15) < c.substr(0, 15));
    }
};

QTEST_GUILESS_MAIN(TestJobsStore)
#include "test_jobs_store.moc"
