#pragma once
// MPI for the filter command, finalised by RAII, plus the few collectives the driver needs to keep every
// rank in lockstep. MPI is initialised only when a launcher (mpirun, mpiexec, srun with PMI/PMIx) started
// us: a singleton MPI_Init costs about 0.7 s (OpenMPI forks its runtime daemon), and a plain process
// does the same work with serial HDF5.
#include <cstdint>
#include <mpi.h>
#include <span>
#include <string>

namespace sluice::engine {

/// True when an MPI launcher started this process (its environment says so).
[[nodiscard]] bool launched_by_mpi();
/// Tasks of this Slurm job step when srun started us without MPI support (0 if not under srun): each
/// such task would believe it is alone.
[[nodiscard]] long srun_tasks_without_mpi();

class MpiSession {
public:
    MpiSession(int* argc = nullptr, char*** argv = nullptr);
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    [[nodiscard]] int rank() const { return rank_; }
    [[nodiscard]] int size() const { return size_; }
    [[nodiscard]] bool root() const { return rank_ == 0; }
    /// MPI_COMM_NULL when running without MPI: files are then opened with the serial driver.
    [[nodiscard]] MPI_Comm comm() const { return parallel_ ? MPI_COMM_WORLD : MPI_COMM_NULL; }
    [[nodiscard]] bool parallel() const { return parallel_; }

    [[nodiscard]] std::int64_t sum(std::int64_t v) const;
    [[nodiscard]] std::int64_t max(std::int64_t v) const;
    [[nodiscard]] double max(double v) const;
    /// Element-wise sum over ranks, in place: one all-reduce for several numbers.
    void sum_in_place(std::span<std::int64_t> values) const;
    /// The same without waiting: `values` must stay alive and untouched until wait(request).
    [[nodiscard]] MPI_Request start_sum(std::span<std::int64_t> values) const;
    void wait(MPI_Request& request) const;
    /// Rank 0's string, on every rank.
    [[nodiscard]] std::string broadcast(const std::string& from_root) const;
    void barrier() const;

private:
    bool owns_ = false;
    bool parallel_ = false;
    int rank_ = 0;
    int size_ = 1;
};

} // namespace sluice::engine
