#include "mpi_env.hpp"

#include <vector>

namespace sluice::engine {

MpiSession::MpiSession(int* argc, char*** argv) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
        MPI_Init(argc, argv);
        owns_ = true;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
    if (owns_) MPI_Finalize();
}

std::int64_t MpiSession::sum(std::int64_t v) const {
    std::int64_t out = 0;
    MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    return out;
}

std::int64_t MpiSession::max(std::int64_t v) const {
    std::int64_t out = 0;
    MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

double MpiSession::max(double v) const {
    double out = 0;
    MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

std::string MpiSession::broadcast(const std::string& from_root) const {
    std::int64_t len = root() ? static_cast<std::int64_t>(from_root.size()) : 0;
    MPI_Bcast(&len, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    std::string out = root() ? from_root : std::string(static_cast<std::size_t>(len), '\0');
    if (len > 0) MPI_Bcast(out.data(), static_cast<int>(len), MPI_CHAR, 0, MPI_COMM_WORLD);
    return out;
}

void MpiSession::barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

} // namespace sluice::engine
