#pragma once
// Writing an h5USID Main dataset the way pyUSID's write_main_dataset lays it out (DESIGN §4b): the four
// ancillary datasets beside it (indices uint32, values float32, numpy 'S' labels/units, `type` zeros),
// quantity/units as variable-length strings and object references to the ancillaries. The Main
// dataset is created empty; its rows are written afterwards in blocks with write_rows.
#include "h5/handles.hpp"
#include "h5/usid.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <string>
#include <vector>

namespace sluice::h5 {

/// One dimension of a regular grid: values offset + k * step for k = 0 .. size-1.
struct GridDimension {
    std::string label;
    std::string units;
    std::uint64_t size = 1;
    double step = 1.0;
    double offset = 0.0;
};

struct MainDatasetLayout {
    std::string group_path; ///< created (with missing parents) when absent
    std::string name = "Raw_Data";
    ValueType type = ValueType::float32;
    std::string quantity;
    std::string units;
    /// Slowest-varying first: for a 2-D scan [Y, X], so X changes from one row to the next. Each
    /// dimension is one column of Position_Indices / Position_Values.
    std::vector<GridDimension> positions;
    /// Slowest-varying first; each dimension is one row of Spectroscopic_Indices / _Values.
    std::vector<GridDimension> spectroscopic;
};

/// HDF5 file type (little-endian) for a value type.
[[nodiscard]] hid_t file_type_of(ValueType t);

/// Write the ancillaries and create the Main dataset, shape (product of position sizes, product of
/// spectroscopic sizes), contiguous and uncompressed. Returns it open for writing.
[[nodiscard]] Result<Dataset> create_main_dataset(hid_t file, const MainDatasetLayout& layout);

} // namespace sluice::h5
