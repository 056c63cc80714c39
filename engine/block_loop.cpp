// The block loop. Per step, on every rank:
//   compute block k (on a second thread when overlapping)  |  write block k-1, read block k+1
//   complete the all-reduce of step k-1's {stop, failed, rows done, checkpoint due} and act on it:
//   checkpoint if due (every --checkpoint-seconds, at a stop, a failure and the end), else block k's
//   write is deferred to the next step, where it overlaps computing block k+1;
//   start the (non-blocking) all-reduce of step k's decision.
// Every rank acts on the same decision at the same step, so collective calls stay in lockstep, yet a
// rank waits for the others only when it is a whole block ahead.
// A checkpoint makes the data durable first (H5Fflush, fdatasync) and only then marks its rows in
// completed_positions (write, H5Fflush, fdatasync). A kill at any moment therefore leaves
// completed_positions claiming only rows whose data is on disk, and metadata untouched (only raw data is
// written after start-up); resume recomputes every unmarked row, bit-identically.
#include "block_loop.hpp"

#include "h5/h5_error.hpp"
#include "h5/rows.hpp"
#include "mpi_env.hpp"
#include "progress.hpp"
#include "signal/row_filter.hpp"
#include "stop_signal.hpp"
#include "util/unique_fd.hpp"

#include <algorithm>
#include <array>
#include <fcntl.h>
#include <fmt/format.h>
#include <future>
#include <memory>
#include <span>
#include <unistd.h>
#include <vector>

namespace sluice::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Rows pending in completed_positions beyond this many force a checkpoint, so that the flags buffer
// stays small (1 byte a row) whatever the checkpoint interval.
constexpr std::uint64_t kMaxPendingRows = 1u << 20;

// The page cache side of durability, on a descriptor of our own (HDF5's, or MPI-IO's, is not ours):
// writeback of each written block starts at once (so the final fdatasync finds little left to do), and
// a checkpoint waits for it. Both act on the file, whichever descriptor wrote the pages.
class TargetSync {
public:
    TargetSync(const std::filesystem::path& file, hid_t filtered, std::uint64_t row_bytes)
        : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)), row_bytes_(row_bytes) {
        const haddr_t offset = H5Dget_offset(filtered);
        if (offset != HADDR_UNDEF) offset_ = static_cast<std::uint64_t>(offset);
    }
    void start_writeback(std::uint64_t first, std::uint64_t count) const {
        if (!fd_.valid() || !offset_ || count == 0) return;
        // A hint: file systems that cannot do it (EINVAL, ESPIPE) still get the fdatasync below.
        (void)::sync_file_range(fd_.get(), static_cast<off64_t>(*offset_ + first * row_bytes_),
                                static_cast<off64_t>(count * row_bytes_), SYNC_FILE_RANGE_WRITE);
    }
    Status make_durable(const std::filesystem::path& file) const {
        if (fd_.valid() && ::fdatasync(fd_.get()) != 0)
            return fail(ErrorKind::io, fmt::format("cannot sync {} to disk", file.string()));
        return {};
    }

private:
    UniqueFd fd_;
    std::uint64_t row_bytes_;
    std::optional<std::uint64_t> offset_;
};

template <class T>
class BlockLoop {
public:
    explicit BlockLoop(const LoopContext& c)
        : c_(c), n_(c.job.points), block_(c.options.block_rows),
          share_(share_of(run_rows(c.job, c.options), c.mpi.rank(), c.mpi.size())),
          sync_(c.job.target, c.target.filtered.get(), c.job.points * sizeof(T)) {
        for (auto& s : slots_) {
            // Not zeroed: every value is written before it is read.
            s.in = std::make_unique_for_overwrite<T[]>(block_ * n_);
            s.out = std::make_unique_for_overwrite<T[]>(block_ * n_);
            s.floors.resize(block_);
        }
        flags_.resize(block_);
        done_ = c.job.rows_done_at_start;
        // Even a rank bound to one core gains: while its main thread waits for the disk (writeback queue
        // full, rows not in the page cache), the compute thread runs.
        c_.stats.overlapped = c.options.overlap;
    }

    Result<std::uint64_t> run() {
        const auto rows = run_rows(c_.job, c_.options);
        const auto size = static_cast<std::uint64_t>(c_.mpi.size());
        const std::uint64_t max_share = (rows.last - rows.first + size - 1) / size;
        const std::uint64_t steps = (max_share + block_ - 1) / block_;
        last_checkpoint_ = Clock::now();
        prepare(slots_[0], 0);
        c_.clock.lap(Phase::read);
        bool deferred = false; // the other slot holds a computed block still to be written
        for (std::uint64_t step = 0; step < steps; ++step) {
            const auto t0 = Clock::now();
            Slot& cur = slots_[step % 2];
            Slot& other = slots_[(step + 1) % 2];
            signal::RowTiming timing;
            std::future<void> computing;
            if (c_.stats.overlapped && cur.count > 0)
                computing = std::async(std::launch::async, [&] { compute(cur, timing); });
            if (deferred) {
                write(other);
                deferred = false;
                c_.clock.lap(Phase::write);
            }
            if (step + 1 < steps) {
                prepare(other, step + 1);
                c_.clock.lap(Phase::read);
            }
            if (computing.valid())
                computing.get();
            else
                compute(cur, timing);
            c_.clock.lap(Phase::compute);
            c_.stats.convert_s += timing.convert_s;
            c_.stats.fft_mask_s += timing.fft_mask_s;
            c_.stats.noise_floor_s += timing.noise_floor_s;
            c_.stats.rows += cur.count;

            if (!cur.read && error_) error_ = std::unexpected(cur.read.error());
            const auto newly = static_cast<std::int64_t>(cur.newly);
            const bool last = step + 1 == steps;

            // The decision of the previous step, reduced while this one computed: a rank ahead of the
            // others by less than a block never waits here.
            bool written = false;
            if (decision_pending_) {
                c_.mpi.wait(request_);
                decision_pending_ = false;
                c_.clock.lap(Phase::collectives);
                done_ += static_cast<std::uint64_t>(decision_[2]);
                if (c_.progress) {
                    c_.progress->report("running", done_);
                    c_.clock.lap(Phase::progress);
                }
                if (decision_[1] != 0) {
                    // Keep what the blocks before achieved, then report.
                    checkpoint();
                    return agreed_failure();
                }
                if (decision_[0] != 0 || decision_[3] != 0 || last) {
                    write(cur);
                    c_.clock.lap(Phase::write);
                    checkpoint();
                    written = true;
                    if (decision_[0] != 0 || last) return finish_together(newly, !last);
                }
            } else if (last) {
                write(cur);
                c_.clock.lap(Phase::write);
                checkpoint();
                return finish_together(newly, false);
            }
            // This step's decision: a stop (signal or time limit), a failure, rows done, a checkpoint due.
            decision_ = {stop_wanted(), !error_ ? 1 : 0, newly, checkpoint_due()};
            request_ = c_.mpi.start_sum(decision_);
            decision_pending_ = true;
            c_.clock.lap(Phase::collectives);
            deferred = !written;
            slowest_step_ = std::max(slowest_step_, seconds(Clock::now() - t0));
        }
        return done_;
    }

private:
    struct Slot {
        std::unique_ptr<T[]> in, out;
        std::vector<float> floors;
        std::uint64_t first = 0, count = 0; ///< rows to compute and write (0: none, or already done)
        std::uint64_t newly = 0;            ///< of which not yet in completed_positions
        Status read;                        ///< a failure reading the input (e.g. NaN rows)
    };

    // Rows of `step`, minus a block that is complete already (its selection becomes empty; a partly
    // complete block is redone, which rewrites bit-identical values).
    void prepare(Slot& s, std::uint64_t step) {
        s.first = share_.first + step * block_;
        s.count = s.first < share_.last ? std::min(block_, share_.last - s.first) : 0;
        s.newly = 0;
        s.read = {};
        if (s.count == 0) return;
        s.read = h5::read_column_u8(c_.target.completed.get(), s.first, s.count, flags_);
        if (s.read)
            s.newly = static_cast<std::uint64_t>(std::count(flags_.begin(), flags_.begin() + s.count, 0));
        if (s.newly == 0) s.count = 0;
        if (s.count > 0)
            s.read =
                h5::read_rows(c_.target.input.get(), s.first, s.count, std::span(s.in.get(), s.count * n_));
        if (!s.read) s.count = s.newly = 0;
    }

    void compute(Slot& s, signal::RowTiming& timing) {
        for (std::uint64_t r = 0; r < s.count; ++r) {
            const auto res = c_.filter.filter(std::span<const T>(s.in.get() + r * n_, n_),
                                              std::span<T>(s.out.get() + r * n_, n_), &timing);
            s.floors[r] = static_cast<float>(res.noise_floor);
        }
    }

    // Collective in collective mode (every rank calls it, with an empty selection if need be). A failure
    // is kept in error_ and reported in the next decision; the block is then not marked.
    void write(Slot& s) {
        const bool collective = c_.options.write_mode == WriteMode::collective && c_.mpi.parallel();
        if (s.count == 0 && !collective) return;
        const std::uint64_t count = error_ ? s.count : 0; // after a failure, only take part
        const hid_t xfer = c_.target.xfer.get();
        Status st = h5::write_rows(c_.target.filtered.get(), s.first, count,
                                   std::span<const T>(s.out.get(), count * n_), xfer);
        if (st && c_.target.floors)
            st = h5::write_column_f32(c_.target.floors.get(), s.first, count,
                                      std::span(s.floors).first(count), xfer);
        if (!st) {
            if (error_) error_ = std::move(st);
            return;
        }
        if (count == 0) return;
        sync_.start_writeback(s.first, count);
        if (pending_.last == pending_.first) pending_.first = s.first;
        pending_.last = s.first + count;
    }

    // Collective: data durable first, then its rows marked, then the marks durable. Every rank makes every
    // call even after a failure (kept in error_), so that none is left waiting.
    void checkpoint() {
        const auto t0 = Clock::now();
        const hid_t file = c_.target.target.get();
        Status st;
        if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) st = h5::h5_fail("cannot flush the results");
        if (st) st = sync_.make_durable(c_.job.target);
        const bool collective = c_.options.write_mode == WriteMode::collective && c_.mpi.parallel();
        // Rows are marked only once their data is known to be durable.
        const std::uint64_t count = st ? pending_.last - pending_.first : 0;
        if (count > 0 || collective) {
            ones_.assign(count, 1);
            if (auto w = h5::write_column_u8(c_.target.completed.get(), pending_.first, count, ones_,
                                             c_.target.xfer.get());
                !w && st)
                st = std::move(w);
        }
        if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0 && st) st = h5::h5_fail("cannot flush completed_positions");
        if (auto d = sync_.make_durable(c_.job.target); !d && st) st = std::move(d);
        if (!st && error_) error_ = std::move(st);
        pending_ = {0, 0};
        ones_.clear();
        ones_.shrink_to_fit();
        last_checkpoint_ = Clock::now();
        slowest_checkpoint_ = std::max(slowest_checkpoint_, seconds(last_checkpoint_ - t0));
        ++c_.stats.checkpoints;
        c_.clock.lap(Phase::checkpoint);
    }

    // Collective, at a stop or the end, when no step follows to carry this step's news: agree on
    // failures and count the last rows.
    Result<std::uint64_t> finish_together(std::int64_t newly, bool stopping) {
        std::int64_t f[2] = {!error_ ? 1 : 0, newly};
        c_.mpi.sum_in_place(f);
        c_.clock.lap(Phase::collectives);
        done_ += static_cast<std::uint64_t>(f[1]);
        if (f[0] != 0) return agreed_failure();
        if (stopping) return stopped();
        return done_;
    }

    // Collective, once some rank failed: every rank ends with the same kind of error (so the same exit
    // code); the rank that failed says why, the others say nothing.
    std::unexpected<Error> agreed_failure() {
        const auto mine = error_ ? std::int64_t{-1} : static_cast<std::int64_t>(error_.error().kind);
        const auto kind = static_cast<ErrorKind>(std::max<std::int64_t>(c_.mpi.max(mine), 0));
        c_.clock.lap(Phase::collectives);
        if (!error_ && error_.error().kind == kind) return propagate(error_);
        return fail(kind, "");
    }

    // A signal on this rank, or a time limit that the two more steps before a stop takes effect and the
    // checkpoint after them could not meet.
    std::int64_t stop_wanted() const {
        if (stop_requested()) return 1;
        if (!c_.options.time_limit_s) return 0;
        const double elapsed = seconds(Clock::now() - c_.started);
        return elapsed + 2 * slowest_step_ + slowest_checkpoint_ > *c_.options.time_limit_s ? 1 : 0;
    }

    // Rank 0's clock decides the interval (the sum over ranks is then 0 or 1).
    std::int64_t checkpoint_due() const {
        if (pending_.last - pending_.first > kMaxPendingRows) return 1;
        return c_.mpi.root() && seconds(Clock::now() - last_checkpoint_) >= c_.options.checkpoint_seconds ? 1
                                                                                                          : 0;
    }

    std::unexpected<Error> stopped() {
        if (c_.progress) c_.progress->report("stopped", done_, true);
        const int sig = stop_signal_number();
        return fail(ErrorKind::cancelled,
                    fmt::format("stopped{} after {} of {} rows; run the same command again to resume",
                                sig ? fmt::format(" by signal {}", sig) : std::string(" at the time limit"),
                                done_, c_.job.rows));
    }

    const LoopContext& c_;
    const std::uint64_t n_, block_;
    const Share share_;
    TargetSync sync_;
    Slot slots_[2];
    std::vector<std::uint8_t> flags_, ones_;
    Share pending_{0, 0}; ///< rows written since the last checkpoint, not yet marked
    Status error_;        ///< this rank's first failure (reading, writing), reported in the next decision
    std::array<std::int64_t, 4> decision_{}; ///< {stop, failed, rows done, checkpoint due}, being summed
    MPI_Request request_ = MPI_REQUEST_NULL;
    bool decision_pending_ = false;
    std::uint64_t done_ = 0;
    Clock::time_point last_checkpoint_;
    double slowest_step_ = 0, slowest_checkpoint_ = 0;
};

} // namespace

Share run_rows(const FilterJob& job, const FilterOptions& o) {
    if (!o.rows) return {0, job.rows};
    return {o.rows->first, o.rows->first + o.rows->count};
}

Share share_of(Share rows, int rank, int size) {
    const auto r = static_cast<std::uint64_t>(rank), s = static_cast<std::uint64_t>(size);
    const std::uint64_t n = rows.last - rows.first;
    return {rows.first + n * r / s, rows.first + n * (r + 1) / s};
}

Result<std::uint64_t> run_blocks(const LoopContext& ctx) {
    // float32 (the common case) is read, filtered and written as float32; other types through doubles.
    if (h5::is_float32(ctx.target.input.get()) && h5::is_float32(ctx.target.filtered.get())) {
        BlockLoop<float> loop(ctx);
        return loop.run();
    }
    BlockLoop<double> loop(ctx);
    return loop.run();
}

} // namespace sluice::engine
