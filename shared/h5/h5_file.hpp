#pragma once
// Opening files and objects with clear errors (not HDF5, truncated, missing path, wrong kind). Serial
// only: the engine's MPI-IO open and create are in mpi_file.hpp, so that nothing else sees mpi.h.
#include "h5/handles.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string>

namespace sluice::h5 {

enum class Access { read_only, read_write };

/// Open an existing HDF5 file. Non-HDF5 and truncated files give ErrorKind::bad_input with a message
/// that says so. `fapl` is a file-access property list (H5P_DEFAULT: the serial driver).
[[nodiscard]] Result<File> open_file(const std::filesystem::path& path, Access access,
                                     hid_t fapl = H5P_DEFAULT);

/// Create (truncate) a file with the given file-access property list.
[[nodiscard]] Result<File> create_file(const std::filesystem::path& path, hid_t fapl = H5P_DEFAULT);

[[nodiscard]] Result<Dataset> open_dataset(hid_t loc, const std::string& path);
[[nodiscard]] Result<Group> open_group(hid_t loc, const std::string& path);
[[nodiscard]] bool path_exists(hid_t loc, const std::string& path);

/// Full HDF5 path name of an object ("/Measurement_000/Channel_000/Raw_Data").
[[nodiscard]] std::string object_path(hid_t obj);

} // namespace sluice::h5
