#pragma once
// Describing any group member and attribute as text, for BrowseFile (browse.hpp). The engine reads Main
// datasets through usid.hpp; only browsing needs "describe anything".
#include "h5/browse.hpp"
#include "util/error.hpp"

#include <hdf5.h>
#include <string>
#include <vector>

namespace sluice::h5 {

/// Members of the group at `group_path`, in name order. Links are described, not followed.
[[nodiscard]] Result<std::vector<Entry>> list_group(hid_t file, const std::string& group_path);

/// Attributes of the object at `path`, in name order.
[[nodiscard]] Result<std::vector<AttributeEntry>> list_attributes(hid_t file, const std::string& path);

/// numpy-like short name of a type's class and size: "float32", "uint8", "string", "compound", ...
[[nodiscard]] std::string dtype_name(hid_t type);

} // namespace sluice::h5
