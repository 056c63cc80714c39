#pragma once
// Bounded pages of any dataset's values, for BrowseFile (browse.hpp).
#include "h5/browse.hpp"
#include "util/error.hpp"

#include <hdf5.h>

namespace sluice::h5 {

/// A page of `dataset` within max_page_values and max_page_bytes (PageRequest says which).
[[nodiscard]] Result<ValuesPage> read_page(hid_t dataset, const PageRequest& request);

} // namespace sluice::h5
