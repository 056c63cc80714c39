#pragma once
// Scaling studies (DESIGN §7, docs/CLUSTER.md): one job runs the engine on a row sample at several rank
// counts and gathers each run's --stats into scaling.json; this file turns that into a table for the
// whole dataset and a recommendation, and suggests resources for a later filter job from the newest study
// that fits. Arithmetic only: the caller reads and writes the files.
//
// Model (docs/ENGINE.md): in a run the time that grows with the rows is the slowest rank's wall time minus
// its start-up phases and its finish phase; everything else the run took (the launcher, MPI start-up,
// opening, closing) is a fixed cost per launch. For R rows: projected = start-up + per-row time × R / sample.
#include "jobs/job_store.hpp"
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

inline constexpr std::string_view scaling_file = "scaling.json";
/// A rank count is recommended while its efficiency stays at or above this.
inline constexpr double recommended_efficiency = 0.70;
/// Rows sampled when the user does not say (capped at the dataset's rows).
inline constexpr std::int64_t default_sample_rows = 4096;

/// One engine run of a study, as scaling.json holds it.
struct ScalingRun {
    int ranks = 0;
    double wall_s = 0;    ///< measured by the job script around the launcher: everything this run cost
    double growing_s = 0; ///< the slowest rank's wall − its start-up and finish phases
    int stats_ranks = 0;  ///< ranks listed in the run's --stats
    std::int64_t rows = 0;
};

struct ScalingStudy {
    std::int64_t sample_rows = 0;
    std::int64_t first_row = 0;
    std::int64_t dataset_rows = 0;
    std::int64_t points = 0;
    std::vector<ScalingRun> runs; ///< ascending rank counts
};

/// scaling.json: {"sample_rows", "first_row", "dataset_rows", "points",
///  "runs": [{"ranks", "wall_s", "exit_code", "stats": <the engine's --stats document>}]}.
[[nodiscard]] Result<ScalingStudy> parse_scaling_json(std::string_view text);

struct ScalingRow {
    int ranks = 0;
    double sample_wall_s = 0;
    double rows_per_s = 0; ///< of the sample run
    double startup_s = 0;  ///< fixed cost per launch
    double projected_s = 0;
    double speedup = 0;    ///< projected time of the smallest rank count / this one's
    double efficiency = 0; ///< speed-up × smallest rank count / ranks
    double core_hours = 0; ///< projected × ranks
};

struct ScalingTable {
    std::int64_t rows = 0; ///< projected for
    std::vector<ScalingRow> runs;
    std::optional<std::size_t> recommended; ///< index into runs
    std::string recommendation;             ///< one sentence, for people
};

/// The table for `rows` rows (the dataset's, normally). Empty when the study has no run.
[[nodiscard]] ScalingTable scaling_table(const ScalingStudy& study, std::int64_t rows);
/// Aligned columns and the recommendation, as sluice-cli prints it.
[[nodiscard]] std::string scaling_table_text(const ScalingTable& table);
[[nodiscard]] nlohmann::json scaling_table_json(const ScalingTable& table);
/// The table of finished study `job_id` as the store keeps it (add_study), projected for the dataset it
/// studied; empty when the store keeps no study of that job.
[[nodiscard]] Result<std::optional<ScalingTable>>
stored_study_table(const JobStore& store, std::string_view profile, std::string_view job_id);

/// Resources for a filter job of `rows` × `points` on `profile`, from the newest study of that profile
/// with the same row length (one with the same recipe preferred).
struct ResourceSuggestion {
    Resources resources; ///< the profile's, with nodes, tasks per node and walltime from the study
    int ranks = 0;
    double projected_s = 0;
    std::string study_job;
    WallClock::time_point study_at{}; ///< when the study was kept
    bool same_recipe = true;          ///< the study was measured with this recipe
    std::string resources_text;       ///< "2 ranks (1 node × 2), walltime 00:04:00"
    std::string text;                 ///< resources_text, then "from scaling study …" and its projection
};
[[nodiscard]] Result<std::optional<ResourceSuggestion>>
suggest_resources(const JobStore& store, const ClusterProfile& profile, std::int64_t rows,
                  std::int64_t points, std::string_view recipe_sha256);

/// The walltime that leaves `needed` to the engine after the job's stop margin, in whole minutes.
[[nodiscard]] std::chrono::seconds walltime_for(std::chrono::seconds needed, Scheduler scheduler);

} // namespace sluice::jobs
