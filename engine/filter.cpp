// `sluice-engine filter`: rank 0 prepares (filter_job.cpp), then every rank filters its contiguous share
// of rows (block_loop.cpp) and rank 0 finishes the result. With --stats every rank accounts for its time
// (run_stats.hpp) and rank 0 writes where it went.
#include "block_loop.hpp"
#include "filter_job.hpp"
#include "h5/h5_error.hpp"
#include "h5/mpi_file.hpp"
#include "h5/result_group.hpp"
#include "mpi_env.hpp"
#include "progress.hpp"
#include "recipe/recipe.hpp"
#include "run_stats.hpp"
#include "signal/row_filter.hpp"
#include "stop_signal.hpp"
#include "util/memory_budget.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <optional>
#include <vector>

namespace sluice::engine {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kBlockBufferBytes = std::uint64_t{256} << 20;

Status open_for_run(const FilterJob& job, const FilterOptions& o, const MpiSession& mpi, bool threshold,
                    OpenTarget& t) {
    auto target = h5::open_file(job.target, h5::Access::read_write, mpi.comm());
    if (!target) return propagate(target);
    t.target = std::move(*target);
    hid_t src_file = t.target.get();
    if (!job.in_place) {
        auto src = h5::open_file(o.input, h5::Access::read_only);
        if (!src) return propagate(src);
        t.source = std::move(*src);
        src_file = t.source.get();
    }
    auto open = [](hid_t f, const std::string& p, h5::Dataset& into) -> Status {
        auto d = h5::open_dataset(f, p);
        if (!d) return propagate(d);
        into = std::move(*d);
        return {};
    };
    if (auto s = open(src_file, job.dataset_path, t.input); !s) return propagate(s);
    if (auto s = open(t.target.get(), job.group_path + "/Filtered_Data", t.filtered); !s) return propagate(s);
    if (auto s = open(t.target.get(), job.group_path + "/completed_positions", t.completed); !s)
        return propagate(s);
    if (threshold)
        if (auto s = open(t.target.get(), job.group_path + "/Noise_Floors", t.floors); !s)
            return propagate(s);
    // Each rank's rows are one contiguous range, so independent writes need no coordination; collective
    // ones let MPI-IO aggregate (--write-mode).
    t.xfer = h5::PropList(H5Pcreate(H5P_DATASET_XFER));
    const auto mode = o.write_mode == WriteMode::collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT;
    if (!t.xfer || (mpi.parallel() && H5Pset_dxpl_mpio(t.xfer.get(), mode) < 0))
        return h5::h5_fail("cannot set up MPI-IO transfers");
    return {};
}

Status run_job(const FilterJob& job, const FilterOptions& o, const MpiSession& mpi, Clock::time_point started,
               RankStats& stats, PhaseClock& clock) {
    auto recipe = recipe::parse_recipe(job.recipe_json);
    if (!recipe) return propagate(recipe);
    auto composite = recipe::validate_for_dataset(*recipe, job.points, job.sample_rate_hz);
    if (!composite) return propagate(composite);
    auto filter = signal::RowFilter::create(job.points, std::move(*composite), recipe->noise_threshold);
    if (!filter) return propagate(filter);

    std::optional<OpenTarget> t(std::in_place);
    if (auto st = open_for_run(job, o, mpi, recipe->noise_threshold.has_value(), *t); !st) return st;
    std::optional<ProgressReporter> progress;
    if (mpi.root()) {
        progress.emplace(o.progress, !o.quiet, job.rows);
        progress->report("running", job.rows_done_at_start, true);
    }
    clock.lap(Phase::startup_open);
    const LoopContext ctx{job, o, mpi, *t, *filter, progress ? &*progress : nullptr, started, stats, clock};
    const auto done = run_blocks(ctx);
    if (!done) {
        if (progress && done.error().kind != ErrorKind::cancelled)
            progress->report("failed", job.rows_done_at_start, true);
        return propagate(done);
    }
    // Attributes are touched only at the start and here, at the very end (collectively, same value). A run
    // over --rows leaves the result unfinished (last_pixel 0) for what it did not compute.
    if (!o.rows) {
        if (auto st = h5::finish_result_group(t->target.get(), job.group_path, job.rows); !st) return st;
        if (H5Fflush(t->target.get(), H5F_SCOPE_GLOBAL) < 0) return h5::h5_fail("cannot flush the results");
    }
    t.reset(); // close the files: part of the run's time
    if (progress) progress->report("done", *done, true);
    clock.lap(Phase::finish);
    return {};
}

} // namespace

Status run_filter(const FilterOptions& options) {
    // Wall time counts from exec, so that start-up includes loading the program and MPI's start.
    const double before_main = seconds_since_exec();
    const auto now = Clock::now();
    const auto started =
        now - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(before_main));
    RankStats stats;
    stats[Phase::startup_process] = before_main;
    PhaseClock clock(stats, now);

    install_stop_handlers(); // before MPI_Init, which can take a while: a stop request then is not lost
    if (const long tasks = srun_tasks_without_mpi(); tasks > 1)
        return fail(
            ErrorKind::bad_input,
            fmt::format(
                "srun started {} tasks without MPI support, so each would filter every row: use "
                "srun --mpi=pmix (the PMI plugin your MPI was built with), or mpirun, or a single task",
                tasks));
    if (options.rows && options.output == std::nullopt)
        return fail(ErrorKind::bad_input,
                    "--rows writes a partial, scratch result: use it with --output, not --in-place");
    MpiSession mpi;
    clock.lap(Phase::startup_mpi);

    std::optional<ProgressReporter> early;
    if (mpi.root() && options.progress) {
        early.emplace(options.progress, false, 0);
        early->report("starting", 0, true);
    }
    const auto wire = mpi.broadcast(mpi.root() ? encode(prepare_filter_job(options)) : std::string());
    auto job = decode(wire);
    if (!job) {
        if (early) early->report("failed", 0, true);
        // Every rank got the same error; rank 0 alone prints it.
        return mpi.root() ? std::unexpected(job.error()) : fail(job.error().kind, "");
    }
    clock.lap(Phase::startup_prepare);
    Status st;
    if (job->already_complete) {
        if (mpi.root() && !options.quiet)
            std::fprintf(stderr, "sluice-engine: %s in %s is already complete; nothing to do\n",
                         job->group_path.c_str(), job->target.string().c_str());
        if (mpi.root() && options.progress)
            ProgressReporter(options.progress, false, job->rows).report("done", job->rows, true);
        clock.lap(Phase::finish);
    } else {
        // A block's buffers (input and output rows, two of each for overlap; doubles at most) stay within a
        // fixed budget: larger blocks gain nothing, and rows of millions of points would otherwise ask for
        // tens of GB at the default --block-rows.
        FilterOptions effective = options;
        const std::uint64_t row_bytes = 4 * sizeof(double) * job->points;
        effective.block_rows =
            std::clamp<std::uint64_t>(kBlockBufferBytes / row_bytes, 1, options.block_rows);
        if (effective.block_rows < options.block_rows && mpi.root() && !options.quiet)
            std::fprintf(
                stderr,
                "sluice-engine: --block-rows %llu lowered to %llu so that a block of rows of %llu points "
                "stays within %s\n",
                static_cast<unsigned long long>(options.block_rows),
                static_cast<unsigned long long>(effective.block_rows),
                static_cast<unsigned long long>(job->points), human_bytes(kBlockBufferBytes).c_str());
        st = run_job(*job, effective, mpi, started, stats, clock);
        if (!st && !mpi.root() && st.error().kind == ErrorKind::cancelled)
            st = fail(ErrorKind::cancelled, "");
    }
    stats.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    // Failures can leave ranks apart; stats are written only when every rank got to the end together.
    if (options.stats && (st || st.error().kind == ErrorKind::cancelled))
        if (auto w = write_stats(mpi, stats, *options.stats); !w && st) return w;
    return st;
}

} // namespace sluice::engine
