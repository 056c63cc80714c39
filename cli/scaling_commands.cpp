// sluice-cli scaling: one job that times the engine on a row sample at several rank counts (DESIGN §7,
// docs/CLUSTER.md), followed like watch; and the suggestion `submit` takes from the newest fitting study.
#include "commands.hpp"
#include "jobs/job_store.hpp"
#include "jobs/local_profile.hpp"
#include "recipe/recipe.hpp"
#include "util/sha256.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>
#include <fstream>
#include <iterator>

namespace sluice::cli {
namespace {

// 1, 2, 4, … up to `most`, and `most` itself.
std::vector<int> doubling(int most) {
    std::vector<int> out;
    for (int r = 1; r < most; r *= 2)
        out.push_back(r);
    out.push_back(std::max(1, most));
    return out;
}

} // namespace

std::optional<jobs::ScalingTable> study_table(const jobs::JobRecord& job) {
    if (job.kind != jobs::JobKind::scaling || job.state != jobs::JobState::done) return std::nullopt;
    std::ifstream in(job.local_output, std::ios::binary);
    if (!in) return std::nullopt;
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto study = jobs::parse_scaling_json(text);
    if (!study) return std::nullopt;
    return jobs::scaling_table(*study, study->dataset_rows);
}

int apply_suggestion(const Context& ctx, const jobs::ClusterProfile& profile, bool use, jobs::NewJob& job,
                     jobs::JobPlan& plan) {
    if (job.kind != jobs::JobKind::filter) return 0;
    auto store = jobs::JobStore::open(ctx.store);
    if (!store) return report(ctx, store.error());
    auto s = jobs::suggest_resources(*store, profile, plan.record.rows_total, plan.points,
                                     sha256_hex(plan.record.recipe_json));
    if (!s) return report(ctx, s.error());
    if (!*s) {
        if (!use) return 0;
        return report(ctx,
                      {ErrorKind::bad_input,
                       fmt::format("--suggested: no scaling study of profile '{}' for rows of {} points; run "
                                   "'sluice-cli scaling' first",
                                   profile.name, plan.points)});
    }
    if (!use) {
        std::fprintf(ctx.err, "sluice-cli: note: a scaling study suggests %s; --suggested uses it\n",
                     terminal_text((*s)->text).c_str());
        return 0;
    }
    job.resources = (*s)->resources;
    job.input_sha256 = plan.record.input_sha256;
    auto again = jobs::plan_job(profile, job);
    if (!again) return report(ctx, again.error());
    plan = std::move(*again);
    std::fprintf(ctx.err, "sluice-cli: using %s\n", terminal_text((*s)->text).c_str());
    return 0;
}

int scaling(const Context& ctx, const ScalingArgs& a) {
    auto profile = find_profile(ctx, a.profile);
    if (!profile) return report(ctx, profile.error());
    auto recipe = recipe::load_recipe(a.recipe);
    if (!recipe) return report(ctx, recipe.error().context(a.recipe.string()));
    jobs::NewJob job;
    job.kind = jobs::JobKind::scaling;
    job.profile = a.profile;
    job.input = a.input;
    job.dataset = a.dataset;
    job.recipe_json = recipe::to_json(*recipe);
    job.sample_rows = a.rows;
    auto res = profile->resources;
    if (a.walltime) res.walltime = *a.walltime;
    if (a.partition) res.partition = *a.partition;
    if (a.account) res.account = *a.account;
    if (a.qos) res.qos = *a.qos;
    if (a.tasks_per_node) res.tasks_per_node = *a.tasks_per_node;
    job.resources = res;
    job.study_ranks = a.ranks.empty() ? doubling(jobs::is_local(*profile) ? jobs::physical_cores()
                                                                          : res.nodes * res.tasks_per_node)
                                      : a.ranks;
    auto plan = jobs::plan_job(*profile, job);
    if (!plan) return report(ctx, plan.error());
    if (const int code = submit_plan(ctx, *plan); code != 0) return code;
    const auto id = plan->record.id;

    WatchArgs watching;
    watching.ids = {id};
    watching.max_interval_s = a.max_interval_s;
    watching.max_resubmits = 0; // a study is never resubmitted: a stop fails it with advice
    const int watched = watch(ctx, watching);
    if (watched == 130) return watched;

    auto store = jobs::JobStore::open(ctx.store);
    if (!store) return report(ctx, store.error());
    auto found = store->find(id);
    if (!found) return report(ctx, found.error());
    if (!*found || (*found)->state != jobs::JobState::done)
        return report(ctx, {ErrorKind::io, fmt::format("scaling study {} did not finish: {}", id,
                                                       *found ? (*found)->message : std::string("gone"))});
    const auto table = study_table(**found);
    if (!table) return report(ctx, {ErrorKind::io, fmt::format("cannot read {}", (*found)->local_output)});
    std::fprintf(ctx.out, "%s", jobs::scaling_table_text(*table).c_str());
    std::fprintf(ctx.out, "study kept in %s\n", terminal_text((*found)->local_output).c_str());
    return 0;
}

} // namespace sluice::cli
