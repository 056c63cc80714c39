#pragma once
// Where a filter run's time goes (`sluice-engine filter --stats FILE`). Each rank accounts for its
// main thread's wall time exclusively, phase by phase (start-up, read, compute, write, checkpoint,
// collectives, progress, finish: they add up to the rank's wall time), and separately for where the compute
// time goes (convert, FFT/mask, noise floor), which runs on a second thread when reading and writing overlap
// computing. Rank 0 gathers every rank's numbers and writes one JSON document.
#include "util/error.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::engine {

class MpiSession;

enum class Phase : std::size_t {
    startup_process, ///< exec until main(): loading the program and its shared libraries
    startup_mpi,     ///< MPI_Init and the stop handlers
    startup_prepare, ///< rank 0 validates and creates or finds the result; everyone gets the job
    startup_open,    ///< masks, FFT plans, opening the files
    read,            ///< input rows and completed_positions flags
    compute,         ///< filtering rows inline, or waiting for the compute thread
    write,           ///< Filtered_Data and Noise_Floors
    checkpoint,      ///< flushes, fdatasync and completed_positions
    collectives,     ///< the per-block all-reduce: waiting for the other ranks
    progress,        ///< rank 0: the --progress file and the human line
    finish,          ///< last_pixel, closing the files
    count
};

struct RankStats {
    std::array<double, static_cast<std::size_t>(Phase::count)> phase_s{};
    double convert_s = 0, fft_mask_s = 0, noise_floor_s = 0; ///< compute, by part
    double wall_s = 0;
    std::uint64_t rows = 0; ///< rows this rank filtered in this run
    std::uint64_t checkpoints = 0;
    bool overlapped = false; ///< reading and writing ran beside computing
    double& operator[](Phase p) { return phase_s[static_cast<std::size_t>(p)]; }
    double operator[](Phase p) const { return phase_s[static_cast<std::size_t>(p)]; }
};

/// Exclusive accounting of one thread's wall time: every lap() charges the time since the previous
/// lap to a phase.
class PhaseClock {
public:
    using Clock = std::chrono::steady_clock;
    explicit PhaseClock(RankStats& stats, Clock::time_point from = Clock::now())
        : stats_(stats), mark_(from) {}
    void lap(Phase p) {
        const auto now = Clock::now();
        stats_[p] += std::chrono::duration<double>(now - mark_).count();
        mark_ = now;
    }

private:
    RankStats& stats_;
    Clock::time_point mark_;
};

/// Seconds since this process was exec'd (from /proc/self/stat, 10 ms resolution); 0 if unknown.
[[nodiscard]] double seconds_since_exec();

/// Collective: gathers every rank's stats; rank 0 writes the JSON document to `file` (atomically).
[[nodiscard]] Status write_stats(const MpiSession& mpi, const RankStats& mine,
                                 const std::filesystem::path& file);

/// The JSON document for all ranks (public for tests).
[[nodiscard]] std::string stats_json(const std::vector<RankStats>& ranks);

} // namespace sluice::engine
