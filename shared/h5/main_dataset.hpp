#pragma once
// What an h5USID Main dataset is (DESIGN §4b), as plain values: no HDF5 types, so the GUI can hold one.
// usid.hpp reads it from a file.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::h5 {

enum class ValueType { float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64 };
[[nodiscard]] const char* value_type_name(ValueType t); ///< numpy-style: "float32", "uint16", ...

struct Ancillary {
    std::string path; ///< full path in the file
    std::array<std::uint64_t, 2> shape{};
    std::vector<std::string> labels; ///< one per dimension
    std::vector<std::string> units;
};

struct MainDataset {
    std::string path;
    std::uint64_t rows = 0;              ///< P, positions
    std::uint64_t points = 0;            ///< N, spectroscopic points per row
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

} // namespace sluice::h5
