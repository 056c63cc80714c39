// `sluice-engine filter`: rank 0 prepares (filter_job.cpp), then every rank filters its contiguous share
// of rows in lockstep blocks: read → FFT/mask/threshold → collective write of data, flush, collective
// write of completed_positions, flush. A kill at any moment leaves metadata intact and a resumable file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "filter_job.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/result_group.hpp"
#include "h5/rows.hpp"
#include "mpi_env.hpp"
#include "progress.hpp"
#include "recipe/recipe.hpp"
#include "signal/row_filter.hpp"
#include "stop_signal.hpp"
#include "util/memory_budget.hpp"

namespace sluice::engine {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kBlockBufferBytes = std::uint64_t{256} << 20;

struct OpenTarget {
    h5::File target;  ///< read-write; MPI-IO when running under an MPI launcher
    h5::File source;  ///< standalone mode: the input, opened by each rank on its own, read-only
    h5::Dataset input, filtered, floors, completed;
    h5::PropList collective;
};

Result<OpenTarget> open_for_run(const FilterJob& job, const FilterOptions& o, const MpiSession& mpi, bool threshold) {
    OpenTarget t;
    auto target = h5::open_file(job.target, h5::Access::read_write, mpi.comm());
    if (!target) return std::unexpected(target.error());
    t.target = std::move(*target);
    hid_t src_file = t.target.get();
    if (!job.in_place) {
        auto src = h5::open_file(o.input, h5::Access::read_only);
        if (!src) return std::unexpected(src.error());
        t.source = std::move(*src);
        src_file = t.source.get();
    }
    auto open = [](hid_t f, const std::string& p, h5::Dataset& into) -> Status {
        auto d = h5::open_dataset(f, p);
        if (!d) return std::unexpected(d.error());
        into = std::move(*d);
        return {};
    };
    if (auto s = open(src_file, job.dataset_path, t.input); !s) return std::unexpected(s.error());
    if (auto s = open(t.target.get(), job.group_path + "/Filtered_Data", t.filtered); !s) return std::unexpected(s.error());
    if (auto s = open(t.target.get(), job.group_path + "/completed_positions", t.completed); !s)
        return std::unexpected(s.error());
    if (threshold)
        if (auto s = open(t.target.get(), job.group_path + "/Noise_Floors", t.floors); !s)
            return std::unexpected(s.error());
    t.collective = h5::PropList(H5Pcreate(H5P_DATASET_XFER));
    if (!t.collective || (mpi.parallel() && H5Pset_dxpl_mpio(t.collective.get(), H5FD_MPIO_COLLECTIVE) < 0))
        return h5::h5_fail("cannot set up collective MPI-IO");
    return t;
}

// One rank's share: rows [first, last).
struct Share {
    std::uint64_t first, last;
};
Share share_of(std::uint64_t rows, int rank, int size) {
    const auto r = static_cast<std::uint64_t>(rank), s = static_cast<std::uint64_t>(size);
    return {rows * r / s, rows * (r + 1) / s};
}

class BlockLoop {
public:
    BlockLoop(const FilterJob& job, const FilterOptions& o, const MpiSession& mpi, OpenTarget& t, RowFilter& filter)
        : job_(job), o_(o), mpi_(mpi), t_(t), filter_(filter), share_(share_of(job.rows, mpi.rank(), mpi.size())) {
        const auto block = o.block_rows;
        in_.resize(block * job.points);
        out_.resize(block * job.points);
        floors_.resize(block);
        ones_.assign(block, 1);
        flags_.resize(block);
    }

    /// Runs every block; returns the number of rows newly completed by this rank, or an error.
    /// On a stop request returns ErrorKind::cancelled after the current block is safely on disk.
    Status run(ProgressReporter* progress, Clock::time_point started) {
        const std::uint64_t block = o_.block_rows;
        const std::uint64_t max_share = (job_.rows + mpi_.size() - 1) / static_cast<std::uint64_t>(mpi_.size());
        const std::uint64_t steps = (max_share + block - 1) / block;
        std::uint64_t done = job_.rows_done_at_start;
        double slowest_block = 0;
        for (std::uint64_t step = 0; step < steps; ++step) {
            // Decide together whether to start another block: a signal on any rank, or a time limit
            // that this block (judged by the slowest one so far) could not meet.
            bool stop = stop_requested();
            if (o_.time_limit_s) {
                const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
                stop = stop || elapsed + slowest_block > *o_.time_limit_s;
            }
            if (mpi_.max(std::int64_t{stop}) != 0) return stopped(progress, done);

            const auto t0 = Clock::now();
            const std::uint64_t first = share_.first + step * block;
            const std::uint64_t count = first < share_.last ? std::min(block, share_.last - first) : 0;
            auto newly = process_block(first, count);
            // Every rank must learn of a failure on any rank, or the others would wait forever in the
            // next collective call.
            const auto failed = mpi_.max(std::int64_t{!newly.has_value()});
            if (failed) {
                if (!newly) return std::unexpected(newly.error());
                return fail(ErrorKind::internal, ""); // reported by the rank that failed
            }
            done += static_cast<std::uint64_t>(mpi_.sum(static_cast<std::int64_t>(*newly)));
            slowest_block = mpi_.max(std::chrono::duration<double>(Clock::now() - t0).count());
            if (progress) progress->report("running", done);
        }
        return {};
    }

private:
    Status stopped(ProgressReporter* progress, std::uint64_t done) {
        if (progress) progress->report("stopped", done, true);
        const int sig = stop_signal_number();
        return fail(ErrorKind::cancelled,
                    fmt::format("stopped{} after {} of {} rows; run the same command again to resume",
                                sig ? fmt::format(" by signal {}", sig) : std::string(" at the time limit"), done,
                                job_.rows));
    }

    // Collective: every rank calls this once per step, with count = 0 when its share is exhausted. A local
    // failure (unreadable or non-finite rows) still takes part in the collective calls with an empty
    // selection, so that the other ranks are not left waiting, and is reported afterwards.
    Result<std::uint64_t> process_block(std::uint64_t first, std::uint64_t count) {
        const auto n = job_.points;
        std::uint64_t newly = 0;
        Status local;
        if (count > 0) {
            local = h5::read_column_u8(t_.completed.get(), first, count, flags_);
            if (local) newly = static_cast<std::uint64_t>(std::count(flags_.begin(), flags_.begin() + count, 0));
        }
        // A finished block is skipped (its selection becomes empty); a partly finished one is redone,
        // which rewrites bit-identical values.
        if (newly == 0) count = 0;
        if (count > 0) local = h5::read_rows(t_.input.get(), first, count, std::span(in_).first(count * n));
        if (!local) count = 0;
        for (std::uint64_t r = 0; r < count; ++r) {
            const auto res = filter_.filter(std::span(in_).subspan(r * n, n), std::span(out_).subspan(r * n, n));
            floors_[r] = static_cast<float>(res.noise_floor);
        }
        const hid_t xfer = t_.collective.get();
        if (auto s = h5::write_rows(t_.filtered.get(), first, count, std::span(out_).first(count * n), xfer); !s)
            return std::unexpected(s.error());
        if (t_.floors)
            if (auto s = h5::write_column_f32(t_.floors.get(), first, count, std::span(floors_).first(count), xfer); !s)
                return std::unexpected(s.error());
        if (H5Fflush(t_.target.get(), H5F_SCOPE_GLOBAL) < 0) return h5::h5_fail("cannot flush the results");
        if (auto s = h5::write_column_u8(t_.completed.get(), first, count, std::span(ones_).first(count), xfer); !s)
            return std::unexpected(s.error());
        if (H5Fflush(t_.target.get(), H5F_SCOPE_GLOBAL) < 0) return h5::h5_fail("cannot flush completed_positions");
        if (!local) return std::unexpected(local.error());
        return newly;
    }

    const FilterJob& job_;
    const FilterOptions& o_;
    const MpiSession& mpi_;
    OpenTarget& t_;
    RowFilter& filter_;
    Share share_;
    std::vector<double> in_, out_;
    std::vector<float> floors_;
    std::vector<std::uint8_t> ones_, flags_;
};

Status run_job(const FilterJob& job, const FilterOptions& o, const MpiSession& mpi, Clock::time_point started) {
    auto recipe = parse_recipe(job.recipe_json);
    if (!recipe) return std::unexpected(recipe.error());
    auto composite = validate_for_dataset(*recipe, job.points, job.sample_rate_hz);
    if (!composite) return std::unexpected(composite.error());
    auto filter = RowFilter::create(job.points, std::move(*composite), recipe->noise_threshold);
    if (!filter) return std::unexpected(filter.error());

    auto t = open_for_run(job, o, mpi, recipe->noise_threshold.has_value());
    if (!t) return std::unexpected(t.error());

    std::optional<ProgressReporter> progress;
    if (mpi.root()) {
        progress.emplace(o.progress, !o.quiet, job.rows);
        progress->report("running", job.rows_done_at_start, true);
    }
    BlockLoop loop(job, o, mpi, *t, *filter);
    if (auto st = loop.run(progress ? &*progress : nullptr, started); !st) {
        if (progress && st.error().kind != ErrorKind::cancelled) progress->report("failed", job.rows_done_at_start, true);
        return st;
    }
    // Attributes are touched only at the start and here, at the very end (collectively, same value).
    if (auto st = h5::finish_result_group(t->target.get(), job.group_path, job.rows); !st) return st;
    if (H5Fflush(t->target.get(), H5F_SCOPE_GLOBAL) < 0) return h5::h5_fail("cannot flush the results");
    if (progress) progress->report("done", job.rows, true);
    return {};
}

} // namespace

Status run_filter(const FilterOptions& options) {
    const auto started = Clock::now();
    install_stop_handlers(); // before MPI_Init, which can take a while: a stop request then is not lost
    if (const long tasks = srun_tasks_without_mpi(); tasks > 1)
        return fail(ErrorKind::bad_input,
                    fmt::format("srun started {} tasks without MPI support, so each would filter every row: use "
                                "srun --mpi=pmix (the PMI plugin your MPI was built with), or mpirun, or a single task",
                                tasks));
    MpiSession mpi;

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
    if (job->already_complete) {
        if (mpi.root() && !options.quiet)
            std::fprintf(stderr, "sluice-engine: %s in %s is already complete; nothing to do\n",
                         job->group_path.c_str(), job->target.string().c_str());
        if (mpi.root() && options.progress) ProgressReporter(options.progress, false, job->rows).report("done", job->rows, true);
        return {};
    }
    // A block's input and output rows (doubles) stay within a fixed budget: larger blocks gain nothing,
    // and rows of millions of points would otherwise ask for tens of GB at the default --block-rows.
    FilterOptions effective = options;
    const std::uint64_t row_bytes = 2 * sizeof(double) * job->points;
    effective.block_rows = std::clamp<std::uint64_t>(kBlockBufferBytes / row_bytes, 1, options.block_rows);
    if (effective.block_rows < options.block_rows && mpi.root() && !options.quiet)
        std::fprintf(stderr, "sluice-engine: --block-rows %llu lowered to %llu so that a block of rows of %llu points "
                             "stays within %s\n",
                     static_cast<unsigned long long>(options.block_rows),
                     static_cast<unsigned long long>(effective.block_rows),
                     static_cast<unsigned long long>(job->points), human_bytes(kBlockBufferBytes).c_str());
    auto st = run_job(*job, effective, mpi, started);
    if (!st && !mpi.root() && st.error().kind == ErrorKind::cancelled) return fail(ErrorKind::cancelled, "");
    return st;
}

} // namespace sluice::engine
