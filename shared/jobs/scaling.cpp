#include "jobs/scaling.hpp"

#include "jobs/directive_values.hpp"
#include "jobs/script.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace sluice::jobs {
namespace {

using json = nlohmann::json;

double number(const json& o, std::string_view key) {
    const auto v = o.find(key);
    return v != o.end() && v->is_number() ? v->get<double>() : 0.0;
}

// The slowest rank of one --stats document: the part of its wall that grows with the rows.
Result<std::pair<double, int>> growing_time(const json& stats) {
    const auto ranks = stats.find("ranks");
    if (!stats.is_object() || ranks == stats.end() || !ranks->is_array() || ranks->empty())
        return fail(ErrorKind::bad_input, "scaling.json: a run's stats list no ranks");
    double slowest = -1, growing = 0;
    for (const auto& r : *ranks) {
        const double wall = number(r, "wall_s");
        if (wall <= slowest) continue;
        slowest = wall;
        const auto phases = r.find("phases_s");
        if (phases == r.end() || !phases->is_object())
            return fail(ErrorKind::bad_input, "scaling.json: a rank's stats have no phases_s");
        double fixed = number(*phases, "finish");
        for (const auto& [name, v] : phases->items())
            if (name.starts_with("startup_") && v.is_number()) fixed += v.get<double>();
        growing = std::max(0.0, wall - fixed);
    }
    return std::pair{growing, static_cast<int>(ranks->size())};
}

std::string seconds_text(double s) {
    if (s < 60) return fmt::format("{:.2f} s", s);
    if (s < 3600) return fmt::format("{:.1f} min", s / 60);
    return fmt::format("{:.2f} h", s / 3600);
}

} // namespace

Result<ScalingStudy> parse_scaling_json(std::string_view text) {
    const auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return fail(ErrorKind::bad_input, "scaling.json: not a JSON object");
    ScalingStudy s;
    for (const auto& [key, field] :
         {std::pair{"sample_rows", &s.sample_rows}, std::pair{"first_row", &s.first_row},
          std::pair{"dataset_rows", &s.dataset_rows}, std::pair{"points", &s.points}}) {
        const auto v = doc.find(key);
        if (v == doc.end() || !v->is_number_integer() || v->get<std::int64_t>() < 0)
            return fail(ErrorKind::bad_input, fmt::format("scaling.json: {} is not a count", key));
        *field = v->get<std::int64_t>();
    }
    const auto runs = doc.find("runs");
    if (runs == doc.end() || !runs->is_array()) return fail(ErrorKind::bad_input, "scaling.json: no runs");
    for (const auto& r : *runs) {
        ScalingRun run;
        const auto ranks = r.find("ranks");
        if (!r.is_object() || ranks == r.end() || !ranks->is_number_integer() || ranks->get<int>() < 1)
            return fail(ErrorKind::bad_input, "scaling.json: a run without its rank count");
        run.ranks = ranks->get<int>();
        run.wall_s = number(r, "wall_s");
        const auto stats = r.find("stats");
        if (stats == r.end()) return fail(ErrorKind::bad_input, "scaling.json: a run without its stats");
        auto g = growing_time(*stats);
        if (!g) return propagate(g);
        run.growing_s = g->first;
        run.stats_ranks = g->second;
        if (const auto total = stats->find("total"); total != stats->end() && total->is_object())
            run.rows = static_cast<std::int64_t>(number(*total, "rows"));
        // A launcher measured faster than the engine's own clock (coarse timers): nothing is fixed cost.
        run.wall_s = std::max(run.wall_s, run.growing_s);
        s.runs.push_back(run);
    }
    std::ranges::sort(s.runs, {}, &ScalingRun::ranks);
    return s;
}

ScalingTable scaling_table(const ScalingStudy& study, std::int64_t rows) {
    ScalingTable t;
    t.rows = rows;
    if (study.runs.empty() || study.sample_rows <= 0) {
        t.recommendation = "The study has no run to recommend from.";
        return t;
    }
    const double scale = static_cast<double>(rows) / static_cast<double>(study.sample_rows);
    for (const auto& run : study.runs) {
        ScalingRow r;
        r.ranks = run.ranks;
        r.sample_wall_s = run.wall_s;
        r.rows_per_s = run.wall_s > 0 ? static_cast<double>(study.sample_rows) / run.wall_s : 0;
        r.startup_s = run.wall_s - run.growing_s;
        r.projected_s = r.startup_s + run.growing_s * scale;
        r.core_hours = r.projected_s * run.ranks / 3600.0;
        t.runs.push_back(r);
    }
    const auto& base = t.runs.front();
    for (auto& r : t.runs) {
        r.speedup = r.projected_s > 0 ? base.projected_s / r.projected_s : 0;
        r.efficiency = r.speedup * base.ranks / r.ranks;
        if (r.efficiency >= recommended_efficiency)
            t.recommended = static_cast<std::size_t>(&r - t.runs.data());
    }
    const auto& best = t.runs[t.recommended.value_or(0)];
    const auto plural = [](int n) { return n == 1 ? "rank" : "ranks"; };
    if (!t.recommended) {
        t.recommendation =
            fmt::format("Recommended: {} {}: no rank count measured keeps an efficiency of {:.0f} % "
                        "for {} rows.",
                        best.ranks, plural(best.ranks), recommended_efficiency * 100, rows);
    } else if (*t.recommended + 1 < t.runs.size()) {
        const auto& next = t.runs[*t.recommended + 1];
        t.recommendation =
            fmt::format("Recommended: {} {} (about {} for {} rows), the largest rank count measured whose "
                        "efficiency stays "
                        "at or above {:.0f} %; {} {} would reach only {:.0f} %.",
                        best.ranks, plural(best.ranks), seconds_text(best.projected_s), rows,
                        recommended_efficiency * 100, next.ranks, plural(next.ranks), next.efficiency * 100);
    } else {
        t.recommendation =
            fmt::format("Recommended: {} {} (about {} for {} rows), the largest rank count measured, whose "
                        "efficiency stays "
                        "at or above {:.0f} %; more ranks may pay off too: study larger counts.",
                        best.ranks, plural(best.ranks), seconds_text(best.projected_s), rows,
                        recommended_efficiency * 100);
    }
    return t;
}

std::string scaling_table_text(const ScalingTable& t) {
    std::string s =
        fmt::format("{:>6} {:>12} {:>10} {:>10} {:>12} {:>9} {:>11} {:>11}\n", "ranks", "sample wall",
                    "rows/s", "start-up", "projected", "speed-up", "efficiency", "core-hours");
    for (std::size_t i = 0; i < t.runs.size(); ++i) {
        const auto& r = t.runs[i];
        s += fmt::format("{:>6} {:>12} {:>10.0f} {:>10} {:>12} {:>9.2f} {:>10.0f}% {:>11.3f}{}\n", r.ranks,
                         fmt::format("{:.2f} s", r.sample_wall_s), r.rows_per_s,
                         fmt::format("{:.2f} s", r.startup_s), seconds_text(r.projected_s), r.speedup,
                         r.efficiency * 100, r.core_hours, t.recommended == i ? "  <- recommended" : "");
    }
    s += fmt::format("Projected for {} rows. {}\n", t.rows, t.recommendation);
    return s;
}

json scaling_table_json(const ScalingTable& t) {
    auto runs = json::array();
    for (const auto& r : t.runs)
        runs.push_back({{"ranks", r.ranks},
                        {"sample_wall_s", r.sample_wall_s},
                        {"rows_per_s", r.rows_per_s},
                        {"startup_s", r.startup_s},
                        {"projected_s", r.projected_s},
                        {"speedup", r.speedup},
                        {"efficiency", r.efficiency},
                        {"core_hours", r.core_hours}});
    json o{{"rows", t.rows}, {"runs", runs}, {"recommendation", t.recommendation}};
    o["recommended_ranks"] = t.recommended ? json(t.runs[*t.recommended].ranks) : json(nullptr);
    return o;
}

Result<std::optional<ScalingTable>> stored_study_table(const JobStore& store, std::string_view profile,
                                                       std::string_view job_id) {
    auto all = store.studies(profile);
    if (!all) return propagate(all);
    const auto kept = std::ranges::find(*all, job_id, &StoredStudy::job_id);
    if (kept == all->end()) return std::optional<ScalingTable>();
    auto study = parse_scaling_json(kept->study_json);
    if (!study) return std::unexpected(study.error().context(fmt::format("study {}", kept->job_id)));
    return std::optional<ScalingTable>(scaling_table(*study, study->dataset_rows));
}

std::chrono::seconds walltime_for(std::chrono::seconds needed, Scheduler scheduler) {
    using std::chrono::seconds;
    needed = std::max(needed, min_engine_time);
    // The stop margin grows with the walltime (stop_timing): settle on the first whole minute that leaves
    // `needed` to the engine.
    auto w = seconds((needed.count() + 59) / 60 * 60);
    for (;;) {
        auto t = stop_timing(w, scheduler);
        if (t && t->time_limit >= needed) return w;
        w += seconds(60);
    }
}

Result<std::optional<ResourceSuggestion>> suggest_resources(const JobStore& store,
                                                            const ClusterProfile& profile, std::int64_t rows,
                                                            std::int64_t points,
                                                            std::string_view recipe_sha256) {
    auto all = store.studies(profile.name);
    if (!all) return propagate(all);
    const StoredStudy* chosen = nullptr;
    for (const auto& s : *all) // newest first
        if (s.points == points &&
            (!chosen || (s.recipe_sha256 == recipe_sha256 && chosen->recipe_sha256 != recipe_sha256)))
            chosen = &s;
    if (!chosen) return std::optional<ResourceSuggestion>();
    auto study = parse_scaling_json(chosen->study_json);
    if (!study) return std::unexpected(study.error().context(fmt::format("study {}", chosen->job_id)));
    const auto table = scaling_table(*study, rows);
    if (table.runs.empty()) return std::optional<ResourceSuggestion>();
    const auto& best = table.runs[table.recommended.value_or(0)];

    ResourceSuggestion out;
    out.study_job = chosen->job_id;
    out.projected_s = best.projected_s;
    out.resources = profile.resources;
    auto& r = out.resources;
    const int per_node = std::max(1, profile.resources.tasks_per_node);
    r.nodes = (best.ranks + per_node - 1) / per_node;
    r.tasks_per_node = r.nodes == 1 ? best.ranks : per_node;
    out.ranks = r.nodes * r.tasks_per_node;
    std::string time;
    if (profile.scheduler != Scheduler::local) {
        const auto needed =
            std::chrono::seconds(static_cast<std::int64_t>(std::ceil(1.5 * best.projected_s)));
        r.walltime = format_slurm_time(walltime_for(needed, profile.scheduler));
        time = fmt::format(", walltime {}", r.walltime);
    }
    out.study_at = chosen->at;
    out.same_recipe = chosen->recipe_sha256 == recipe_sha256;
    out.resources_text = fmt::format("{} ranks ({} node{} × {}){}", out.ranks, r.nodes,
                                     r.nodes == 1 ? "" : "s", r.tasks_per_node, time);
    out.text = fmt::format("{} from scaling study {} (projected {:.0f} s for {} rows{})", out.resources_text,
                           chosen->job_id, best.projected_s, rows,
                           out.same_recipe ? "" : ", measured with another recipe");
    return std::optional<ResourceSuggestion>(std::move(out));
}

} // namespace sluice::jobs
