#pragma once
// The block loop of `sluice-engine filter`: every rank filters its contiguous share of rows block by
// block, all ranks taking the same number of steps so that collective calls stay in lockstep.
#include "commands.hpp"
#include "filter_job.hpp"
#include "h5/handles.hpp"
#include "run_stats.hpp"
#include "util/error.hpp"

#include <chrono>

namespace sluice::signal {
class RowFilter;
}

namespace sluice::engine {

class MpiSession;
class ProgressReporter;

struct OpenTarget {
    h5::File target; ///< read-write; MPI-IO when running under an MPI launcher
    h5::File source; ///< standalone mode: the input, opened by each rank on its own, read-only
    h5::Dataset input, filtered, floors, completed;
    h5::PropList xfer; ///< dataset transfer: independent or collective MPI-IO (--write-mode)
};

struct LoopContext {
    const FilterJob& job;
    const FilterOptions& options;
    const MpiSession& mpi;
    OpenTarget& target;
    signal::RowFilter& filter;
    ProgressReporter* progress;                    ///< rank 0 only
    std::chrono::steady_clock::time_point started; ///< process start, for --time-limit
    RankStats& stats;
    PhaseClock& clock;
};

/// Rows [first, last) that this run filters: --rows, or the whole dataset.
struct Share {
    std::uint64_t first, last;
};
[[nodiscard]] Share run_rows(const FilterJob& job, const FilterOptions& o);
/// Rank `rank`'s contiguous part of `rows`.
[[nodiscard]] Share share_of(Share rows, int rank, int size);

/// Collective. Runs every block and returns the rows done in the whole result (all ranks, including
/// those done before this run); on a stop request returns ErrorKind::cancelled once everything computed
/// so far is durable and marked in completed_positions.
[[nodiscard]] Result<std::uint64_t> run_blocks(const LoopContext& ctx);

} // namespace sluice::engine
