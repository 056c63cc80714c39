#pragma once
// MPI for the filter command: initialised once (works as a singleton without mpirun), finalised by RAII,
// plus the few collectives the driver needs to keep every rank in lockstep.
#include <mpi.h>

#include <cstdint>
#include <string>

namespace sluice::engine {

class MpiSession {
public:
    MpiSession(int* argc = nullptr, char*** argv = nullptr);
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    [[nodiscard]] int rank() const { return rank_; }
    [[nodiscard]] int size() const { return size_; }
    [[nodiscard]] bool root() const { return rank_ == 0; }
    [[nodiscard]] MPI_Comm comm() const { return MPI_COMM_WORLD; }

    [[nodiscard]] std::int64_t sum(std::int64_t v) const;
    [[nodiscard]] std::int64_t max(std::int64_t v) const;
    [[nodiscard]] double max(double v) const;
    /// Rank 0's string, on every rank.
    [[nodiscard]] std::string broadcast(const std::string& from_root) const;
    void barrier() const;

private:
    bool owns_ = false;
    int rank_ = 0;
    int size_ = 1;
};

} // namespace sluice::engine
