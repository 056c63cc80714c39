#pragma once
// Qt-free browsing helpers for the tree dock: the members of one group and the attributes of one object,
// described as text. Kept apart from shared/h5 because only the browser needs "describe anything";
// the engine reads Main datasets through usid.hpp. Call only from H5Service's thread.
#include "util/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <string>
#include <vector>

namespace sluice::gui {

enum class H5Kind { group, dataset, named_type, soft_link, external_link, other };

struct H5Entry {
    std::string name;
    std::string path; ///< full path of the link ("/Measurement_000/Channel_000")
    H5Kind kind = H5Kind::other;
    std::vector<std::uint64_t> shape; ///< datasets only; empty for scalars
    std::string dtype;                ///< datasets only: numpy-style ("float32", "string", "compound")
    std::string link_target;          ///< soft and external links
};

/// Members of the group at `group_path`, in name order. Links are described, not followed.
[[nodiscard]] Result<std::vector<H5Entry>> list_group(hid_t file, const std::string& group_path);

struct H5AttributeEntry {
    std::string name;
    std::string type;  ///< "float64", "string", "reference", ...
    std::string shape; ///< "scalar" or "(3,)"
    std::string value; ///< human-readable; long arrays are shortened
};

/// Attributes of the object at `path`, in name order.
[[nodiscard]] Result<std::vector<H5AttributeEntry>> list_attributes(hid_t file, const std::string& path);

/// "(12, 2048)" / "scalar".
[[nodiscard]] std::string shape_text(const std::vector<std::uint64_t>& shape);

} // namespace sluice::gui
