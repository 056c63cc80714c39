#pragma once
// A scaling.json (docs/ENGINE.md, "Scaling studies") from hand-checkable --stats, for the tests of the
// arithmetic (tests/unit/test_scaling.cpp) and of the app's views of studies (tests/gui).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluice::test {

// One rank's stats: start-up phases of `startup` in total (four equal parts), finish 0.1 s.
inline nlohmann::json study_rank(double wall, double startup) {
    const double q = startup / 4;
    return {{"wall_s", wall},
            {"rows", 0},
            {"phases_s",
             {{"startup_process", q},
              {"startup_mpi", q},
              {"startup_prepare", q},
              {"startup_open", q},
              {"read", 0.1},
              {"compute", wall - startup - 0.3},
              {"write", 0.1},
              {"finish", 0.1}}}};
}

inline nlohmann::json study_run(int ranks, double wall, std::vector<nlohmann::json> stats) {
    return {{"ranks", ranks},
            {"wall_s", wall},
            {"exit_code", 0},
            {"stats", {{"total", {{"rows", 1000}, {"ranks", ranks}}}, {"ranks", stats}}}};
}

// Runs at 1, 2, 4 and 8 ranks. Growing time (slowest rank's wall − start-up − finish) and fixed cost
// (script's wall − growing): 1 rank 2.0 / 0.5 s, 2 ranks 1.0 / 0.6 s, 4 ranks 0.6 / 0.8 s, 8 ranks
// 0.4 / 1.1 s. Projected for 100 × the sample (100000 of 1000 rows): 200.5, 100.6, 60.8 and 41.1 s,
// efficiency 100, 99.6, 82.4 and 61 %: 4 ranks are recommended.
inline std::string study_text(std::int64_t sample_rows = 1000, std::int64_t dataset_rows = 100000,
                              std::int64_t points = 16384) {
    nlohmann::json doc{
        {"sample_rows", sample_rows}, {"first_row", 0}, {"dataset_rows", dataset_rows}, {"points", points}};
    doc["runs"] = {
        study_run(4, 1.4,
                  {study_rank(1.0, 0.3), study_rank(0.9, 0.3), study_rank(0.95, 0.3), study_rank(0.8, 0.3)}),
        study_run(1, 2.5, {study_rank(2.3, 0.2)}),
        study_run(2, 1.6, {study_rank(1.3, 0.2), study_rank(1.2, 0.2)}),
        study_run(8, 1.5, std::vector<nlohmann::json>(8, study_rank(0.9, 0.4)))};
    return doc.dump();
}

} // namespace sluice::test
