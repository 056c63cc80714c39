// Scaling studies' arithmetic (shared/jobs/scaling.hpp) from hand-checkable --stats, and the resources a
// real JobStore's studies suggest.
#include "common/h5_fixtures.hpp"
#include "common/scaling_study.hpp"
#include "jobs/scaling.hpp"
#include "jobs/script.hpp"

#include <QtTest>
#include <fmt/format.h>

using namespace sluice;
using namespace sluice::jobs;

using sluice::test::study_text;

class TestScaling : public QObject {
    Q_OBJECT

private slots:
    void runsAreReadFromTheirStats() {
        auto s = parse_scaling_json(study_text());
        QVERIFY2(s, s ? "" : s.error().message.c_str());
        QCOMPARE(s->runs.size(), std::size_t(4));
        QCOMPARE(s->runs[0].ranks, 1); // sorted by rank count
        QCOMPARE(s->runs[2].ranks, 4);
        QCOMPARE(s->runs[2].stats_ranks, 4);
        QCOMPARE(s->runs[1].rows, std::int64_t(1000));
        QVERIFY(std::abs(s->runs[0].growing_s - 2.0) < 1e-9);
        QVERIFY(std::abs(s->runs[2].growing_s - 0.6) < 1e-9); // the slowest rank's (wall 1.0)
    }

    void tableProjectsForTheWholeDataset() {
        const auto t = scaling_table(parse_scaling_json(study_text()).value(), 100000);
        QCOMPARE(t.runs.size(), std::size_t(4));
        const auto near = [](double a, double b) { return std::abs(a - b) < 1e-6; };
        // 1 rank: 0.5 + 2.0 × 100 = 200.5 s; 2: 0.6 + 100 = 100.6; 4: 0.8 + 60 = 60.8; 8: 1.1 + 40 = 41.1.
        QVERIFY(near(t.runs[0].startup_s, 0.5));
        QVERIFY(near(t.runs[0].projected_s, 200.5));
        QVERIFY(near(t.runs[1].projected_s, 100.6));
        QVERIFY(near(t.runs[2].projected_s, 60.8));
        QVERIFY(near(t.runs[3].projected_s, 41.1));
        QVERIFY(near(t.runs[0].rows_per_s, 400));
        QVERIFY(near(t.runs[1].speedup, 200.5 / 100.6));
        QVERIFY(near(t.runs[2].efficiency, 200.5 / 60.8 / 4)); // 82 %
        QVERIFY(near(t.runs[3].efficiency, 200.5 / 41.1 / 8)); // 61 %
        QVERIFY(near(t.runs[2].core_hours, 60.8 * 4 / 3600));
        QVERIFY(t.recommended && *t.recommended == 2); // 4 ranks: the largest at ≥ 70 %
        QVERIFY2(t.recommendation.find("4 ranks") != std::string::npos &&
                     t.recommendation.find("70 %") != std::string::npos &&
                     t.recommendation.find("8 ranks would reach only 61 %") != std::string::npos,
                 t.recommendation.c_str());
        const auto text = scaling_table_text(t);
        for (const auto* column : {"ranks", "sample wall", "rows/s", "start-up", "projected", "speed-up",
                                   "efficiency", "core-hours"})
            QVERIFY2(text.find(column) != std::string::npos, text.c_str());
        QVERIFY2(text.find("<- recommended") != std::string::npos, text.c_str());
        const auto j = scaling_table_json(t);
        QCOMPARE(j.at("recommended_ranks").get<int>(), 4);
        QCOMPARE(j.at("runs").size(), std::size_t(4));
    }

    // The fixed costs weigh more on a small dataset: there the same study recommends fewer ranks.
    void recommendationDependsOnDatasetSize() {
        const auto study = parse_scaling_json(study_text()).value();
        const auto small = scaling_table(study, 1000); // the sample itself: 2.5, 1.6, 1.4, 1.5 s
        QVERIFY(small.recommended && small.runs[*small.recommended].ranks == 2);
        QVERIFY(std::abs(small.runs[1].efficiency - 2.5 / 1.6 / 2) < 1e-9);
        const auto huge = scaling_table(study, 100'000'000);
        QCOMPARE(huge.runs[*huge.recommended].ranks, 4);
    }

    void badFilesAreRefused() {
        QVERIFY(!parse_scaling_json("not json"));
        QVERIFY(!parse_scaling_json(R"({"sample_rows": 1, "first_row": 0, "dataset_rows": 1, "points": 4})"));
        QVERIFY(!parse_scaling_json(R"({"sample_rows": 1, "first_row": 0, "dataset_rows": 1, "points": 4,
                                        "runs": [{"ranks": 1, "wall_s": 1, "stats": {"ranks": []}}]})"));
        QVERIFY(!parse_scaling_json(R"({"sample_rows": -1, "first_row": 0, "dataset_rows": 1, "points": 4,
                                        "runs": []})"));
        const auto empty = scaling_table(
            parse_scaling_json(
                R"({"sample_rows": 1, "first_row": 0, "dataset_rows": 1, "points": 4, "runs": []})")
                .value(),
            10);
        QVERIFY(empty.runs.empty() && !empty.recommended);
    }

    void walltimeLeavesTheStopMargin() {
        using std::chrono::seconds;
        // Slurm stops the engine margin + 60 s early (margin at least 60 s): 92 s of work need 4 minutes.
        QCOMPARE(walltime_for(seconds(92), Scheduler::slurm), seconds(240));
        QCOMPARE(walltime_for(seconds(92), Scheduler::pbs), seconds(180));
        // Long jobs: the margin is 10 % of the walltime.
        const auto w = walltime_for(seconds(36000), Scheduler::slurm);
        QVERIFY(stop_timing(w, Scheduler::slurm).value().time_limit >= seconds(36000));
        QVERIFY(stop_timing(w - seconds(60), Scheduler::slurm).value().time_limit < seconds(36000));
    }

    void suggestionsComeFromTheNewestFittingStudy() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        QVERIFY(store);
        ClusterProfile hpc;
        hpc.name = "hpc";
        hpc.scheduler = Scheduler::slurm;
        hpc.resources.tasks_per_node = 2;
        hpc.resources.account = "proj1";
        // Nothing studied yet.
        QVERIFY(!suggest_resources(*store, hpc, 100000, 16384, "r1").value());

        const auto t0 = WallClock::now() - std::chrono::hours(2);
        QVERIFY(store->add_study({"s-old", "hpc", 100000, 16384, "r1", t0, study_text()}));
        auto s = suggest_resources(*store, hpc, 100000, 16384, "r1").value();
        QVERIFY(s);
        // 4 ranks on 2 per node: 2 nodes; 1.5 × 60.8 s = 92 s of work → 00:04:00 on Slurm.
        QCOMPARE(s->ranks, 4);
        QCOMPARE(s->resources.nodes, 2);
        QCOMPARE(s->resources.tasks_per_node, 2);
        QCOMPARE(s->resources.walltime, std::string("00:04:00"));
        QCOMPARE(s->resources.account, std::string("proj1")); // the rest is the profile's
        QCOMPARE(s->study_job, std::string("s-old"));
        QVERIFY2(s->text.find("s-old") != std::string::npos, s->text.c_str());
        // The app shows the resources on one line with the study's date.
        QCOMPARE(s->resources_text, std::string("4 ranks (2 nodes × 2), walltime 00:04:00"));
        QVERIFY(s->text.starts_with(s->resources_text + " from scaling study s-old"));
        QVERIFY(std::chrono::abs(s->study_at - t0) < std::chrono::milliseconds(1)); // kept in ms
        QVERIFY(s->same_recipe);

        // A newer study with another recipe is used only when none has the same recipe.
        nlohmann::json other = nlohmann::json::parse(study_text());
        other["runs"] = {other["runs"][1]}; // 1 rank only
        QVERIFY(store->add_study(
            {"s-new", "hpc", 100000, 16384, "r2", t0 + std::chrono::hours(1), other.dump()}));
        QCOMPARE(suggest_resources(*store, hpc, 100000, 16384, "r1").value()->study_job,
                 std::string("s-old"));
        const auto by_other = suggest_resources(*store, hpc, 100000, 16384, "r3").value();
        QCOMPARE(by_other->study_job, std::string("s-new"));
        QCOMPARE(by_other->ranks, 1);
        QVERIFY(by_other->text.find("another recipe") != std::string::npos);
        QVERIFY(!by_other->same_recipe);

        // Another row length or another profile: nothing to suggest.
        QVERIFY(!suggest_resources(*store, hpc, 100000, 4096, "r1").value());
        ClusterProfile other_profile = hpc;
        other_profile.name = "other";
        QVERIFY(!suggest_resources(*store, other_profile, 100000, 16384, "r1").value());

        // This computer has no walltime; a small dataset suggests fewer ranks.
        ClusterProfile here;
        here.name = "hpc";
        here.scheduler = Scheduler::local;
        here.resources.tasks_per_node = 8;
        here.resources.walltime.clear();
        const auto local = suggest_resources(*store, here, 1000, 16384, "r1").value();
        QCOMPARE(local->ranks, 2);
        QCOMPARE(local->resources.nodes, 1);
        QCOMPARE(local->resources.tasks_per_node, 2);
        QVERIFY(local->resources.walltime.empty());
    }

    // The table of a kept study, as `sluice-cli status ID` prints it, read back from the store by job.
    void keptStudiesGiveTheirTable() {
        test::TempDir dir;
        auto store = JobStore::open(dir / "jobs.sqlite");
        QVERIFY(store);
        QVERIFY(!stored_study_table(*store, "hpc", "s1").value());
        QVERIFY(store->add_study({"s1", "hpc", 100000, 16384, "r1", WallClock::now(), study_text()}));
        const auto kept = stored_study_table(*store, "hpc", "s1").value();
        QVERIFY(kept);
        QCOMPARE(kept->rows, std::int64_t(100000)); // the dataset studied
        QCOMPARE(scaling_table_text(*kept),
                 scaling_table_text(scaling_table(parse_scaling_json(study_text()).value(), 100000)));
        QVERIFY(!stored_study_table(*store, "other", "s1").value());
        QVERIFY(!stored_study_table(*store, "hpc", "s2").value());
        QVERIFY(store->add_study({"bad", "hpc", 1, 1, "r1", WallClock::now(), "not json"}));
        const auto bad = stored_study_table(*store, "hpc", "bad");
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("study bad") != std::string::npos, bad.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestScaling)
#include "test_scaling.moc"
