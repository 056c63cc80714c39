#include "mpi_env.hpp"

#include <cstdlib>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace sluice::engine {

bool launched_by_mpi() {
    // OpenMPI's mpirun, MPICH/Hydra and Intel MPI, and Slurm's PMI-2/PMIx plugins.
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK", "MPI_LOCALNRANKS"})
        if (std::getenv(var)) return true;
    return false;
}

long srun_tasks_without_mpi() {
    if (launched_by_mpi()) return 0;
    const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
    return tasks ? std::strtol(tasks, nullptr, 10) : 0;
}

MpiSession::MpiSession(int* argc, char*** argv) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    parallel_ = initialised || launched_by_mpi();
    if (!parallel_) return;
    if (!initialised) {
        // Every rank of an OpenMPI job on one machine: shared memory is the only transport needed, and not
        // probing for network ones halves MPI_Init (0.25 -> 0.1 s here). A user's own choice is kept.
        const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
        const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
        if (size && local && std::string_view(size) == local) {
            ::setenv("OMPI_MCA_pml", "ob1", 0);
            ::setenv("OMPI_MCA_btl", "self,vader", 0);
        }
        // Only the main thread calls MPI; the compute thread (engine/block_loop.cpp) never does.
        int provided = 0;
        MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
        owns_ = true;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
    if (owns_) MPI_Finalize();
}

std::int64_t MpiSession::sum(std::int64_t v) const {
    if (!parallel_) return v;
    std::int64_t out = 0;
    MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    return out;
}

std::int64_t MpiSession::max(std::int64_t v) const {
    if (!parallel_) return v;
    std::int64_t out = 0;
    MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

double MpiSession::max(double v) const {
    if (!parallel_) return v;
    double out = 0;
    MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

void MpiSession::sum_in_place(std::span<std::int64_t> values) const {
    if (!parallel_ || values.empty()) return;
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM,
                  MPI_COMM_WORLD);
}

MPI_Request MpiSession::start_sum(std::span<std::int64_t> values) const {
    MPI_Request request = MPI_REQUEST_NULL;
    if (parallel_ && !values.empty())
        MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM,
                       MPI_COMM_WORLD, &request);
    return request;
}

void MpiSession::wait(MPI_Request& request) const {
    if (request != MPI_REQUEST_NULL) MPI_Wait(&request, MPI_STATUS_IGNORE);
}

std::string MpiSession::broadcast(const std::string& from_root) const {
    if (!parallel_) return from_root;
    std::int64_t len = root() ? static_cast<std::int64_t>(from_root.size()) : 0;
    MPI_Bcast(&len, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    std::string out = root() ? from_root : std::string(static_cast<std::size_t>(len), '\0');
    if (len > 0) MPI_Bcast(out.data(), static_cast<int>(len), MPI_CHAR, 0, MPI_COMM_WORLD);
    return out;
}

void MpiSession::barrier() const {
    if (parallel_) MPI_Barrier(MPI_COMM_WORLD);
}

} // namespace sluice::engine
