#pragma once
// h5USID "Main" datasets (DESIGN §4b): detection, ancillary reading and sample-rate lookup.
#include "h5/main_dataset.hpp"
#include "util/error.hpp"

#include <hdf5.h>
#include <optional>
#include <string>
#include <vector>

namespace sluice::h5 {

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
