#include "h5/mpi_file.hpp"

#include "h5/h5_error.hpp"

namespace sluice::h5 {
namespace {

Result<PropList> mpio_access(MPI_Comm comm) {
    PropList fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl) return h5_fail("cannot create a file-access property list");
    if (comm != MPI_COMM_NULL && H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL) < 0)
        return h5_fail("cannot set up MPI-IO file access");
    return fapl;
}

} // namespace

Result<File> open_file(const std::filesystem::path& path, Access access, MPI_Comm comm) {
    auto fapl = mpio_access(comm);
    if (!fapl) return propagate(fapl);
    return open_file(path, access, fapl->get());
}

Result<File> create_file(const std::filesystem::path& path, MPI_Comm comm) {
    auto fapl = mpio_access(comm);
    if (!fapl) return propagate(fapl);
    return create_file(path, fapl->get());
}

} // namespace sluice::h5
