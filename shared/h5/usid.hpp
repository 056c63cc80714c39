#pragma once
// h5USID "Main" datasets (DESIGN §4b): detection, ancillary reading and sample-rate lookup.
#include <hdf5.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace sluice::h5 {

enum class ValueType { float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64 };
[[nodiscard]] const char* value_type_name(ValueType t); ///< numpy-style: "float32", "uint16", ...

struct Ancillary {
    std::string path;                 ///< full path in the file
    std::array<std::uint64_t, 2> shape{};
    std::vector<std::string> labels;  ///< one per dimension
    std::vector<std::string> units;
};

struct MainDataset {
    std::string path;
    std::uint64_t rows = 0;   ///< P, positions
    std::uint64_t points = 0; ///< N, spectroscopic points per row
    ValueType type = ValueType::float32; ///< meaningful only when not_filterable is empty
    std::string dtype;                   ///< numpy-style name of the values: "float32", "complex128", ...
    /// Empty when Sluice can filter the dataset; otherwise why not, in words for the user (complex or
    /// compound values, one point per position). pyUSID still calls such datasets Main.
    std::string quantity;
    std::string units;
    Ancillary position_indices, position_values, spectroscopic_indices, spectroscopic_values;
    std::optional<double> sample_rate_hz; ///< from the attribute or the spectroscopic values
    std::string sample_rate_origin;       ///< where it came from, for messages and the UI
    std::string not_filterable;
};

/// Check every h5USID rule for `path` and read its description; the error names the first rule broken
/// (e.g. "Raw_Data is not an h5USID Main dataset: attribute 'Position_Indices' is missing"). Main datasets
/// Sluice cannot filter are returned too, with `not_filterable` saying why; empty ones are refused.
[[nodiscard]] Result<MainDataset> read_main_dataset(hid_t file, const std::string& path);

/// Paths of all Main datasets in the file (filterable or not), in name order.
[[nodiscard]] std::vector<std::string> find_main_datasets(hid_t file);

/// Sample rate per DESIGN §4b: `IO_samp_rate_[Hz]` on the parent group, else on the dataset, else
/// 1/spacing of evenly spaced spectroscopic values (integer Hz only when within 1e-6 relative).
/// nullopt when none can be determined.
struct SampleRate {
    double hz;
    std::string origin;
};
[[nodiscard]] Result<std::optional<SampleRate>> find_sample_rate(hid_t file, const std::string& main_path);

} // namespace sluice::h5
