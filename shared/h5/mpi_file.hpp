#pragma once
// The engine's parallel open and create: HDF5 files through the MPI-IO driver. Apart from h5_file.hpp
// so that only the engine includes mpi.h (DESIGN §8: the GUI sees neither HDF5 nor MPI headers).
#include "h5/h5_file.hpp"

#include <filesystem>
#include <mpi.h>

namespace sluice::h5 {

/// open_file with the MPI-IO driver on `comm` (collective); MPI_COMM_NULL opens serially.
[[nodiscard]] Result<File> open_file(const std::filesystem::path& path, Access access, MPI_Comm comm);

/// create_file with the MPI-IO driver on `comm` (collective); MPI_COMM_NULL creates serially.
[[nodiscard]] Result<File> create_file(const std::filesystem::path& path, MPI_Comm comm);

} // namespace sluice::h5
