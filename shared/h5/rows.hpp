#pragma once
// Hyperslab row-block I/O of 2-D datasets, converting to/from double in memory.
#include "util/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <span>

namespace sluice::h5 {

/// Read rows [first, first+count) of a 2-D dataset of any numeric type into out (count * N doubles,
/// row-major). count may be 0 (an empty selection, so that collective MPI-IO stays in lockstep).
/// xfer: a dataset-transfer property list (H5P_DEFAULT or collective MPI-IO).
/// Non-finite values give ErrorKind::bad_input naming the row.
[[nodiscard]] Status read_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<double> out,
                               hid_t xfer = H5P_DEFAULT);

/// float32 rows as they are stored (no conversion at all): the dataset must be float32 (is_float32).
[[nodiscard]] Status read_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<float> out,
                               hid_t xfer = H5P_DEFAULT);
[[nodiscard]] Status write_rows(hid_t dataset, std::uint64_t first, std::uint64_t count,
                                std::span<const float> in, hid_t xfer = H5P_DEFAULT);
/// True when the dataset stores IEEE float32 values (the common case, read and written without conversion).
[[nodiscard]] bool is_float32(hid_t dataset);

/// Write rows [first, first+count) from doubles, rounding to the dataset's type (float32: to nearest).
[[nodiscard]] Status write_rows(hid_t dataset, std::uint64_t first, std::uint64_t count,
                                std::span<const double> in, hid_t xfer = H5P_DEFAULT);

/// Write elements [first, first+count) of a 1-D (or the first column of an (P,1)) dataset from values
/// of native type T (uint8 for completed_positions, float for Noise_Floors).
[[nodiscard]] Status write_column_u8(hid_t dataset, std::uint64_t first, std::uint64_t count,
                                     std::span<const std::uint8_t> in, hid_t xfer = H5P_DEFAULT);
[[nodiscard]] Status write_column_f32(hid_t dataset, std::uint64_t first, std::uint64_t count,
                                      std::span<const float> in, hid_t xfer = H5P_DEFAULT);
[[nodiscard]] Status read_column_u8(hid_t dataset, std::uint64_t first, std::uint64_t count,
                                    std::span<std::uint8_t> out, hid_t xfer = H5P_DEFAULT);

} // namespace sluice::h5
