#pragma once
// Attribute I/O in the exact types h5USID/pycroscopy use (FILTER_SPEC §6).
#include "util/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::h5 {

[[nodiscard]] bool has_attribute(hid_t obj, const std::string& name);

/// Attributes hold small values (HDF5 keeps them in object headers); anything declaring more than this is
/// a damaged or crafted file and is refused before a buffer is allocated for it.
inline constexpr std::uint64_t max_attribute_bytes = std::uint64_t{64} << 20;
/// bad_input when `count` values of `value_size` bytes exceed max_attribute_bytes; `what` names it.
[[nodiscard]] Status check_attribute_size(std::string_view what, std::uint64_t count,
                                          std::uint64_t value_size);

/// numpy-like name of an HDF5 type: "float32", "uint16", ">int32" (big-endian), "|S4" (fixed string),
/// "str" (variable-length string), "object-ref", "region-ref", compound as "[('re', float64), ...]".
[[nodiscard]] std::string numpy_dtype_name(hid_t type);

/// A string attribute, fixed-length or variable-length, scalar or a 1-element array.
[[nodiscard]] Result<std::string> read_string_attribute(hid_t obj, const std::string& name);
/// An array of strings (fixed or variable length), e.g. ancillary `labels` / `units`.
[[nodiscard]] Result<std::vector<std::string>> read_string_array_attribute(hid_t obj,
                                                                           const std::string& name);
/// A numeric scalar (or 1-element array) attribute, converted to double / int64.
[[nodiscard]] Result<double> read_double_attribute(hid_t obj, const std::string& name);
[[nodiscard]] Result<std::int64_t> read_int_attribute(hid_t obj, const std::string& name);
/// A numeric attribute of any shape, converted to doubles (e.g. noise_band_freqs).
[[nodiscard]] Result<std::vector<double>> read_double_array_attribute(hid_t obj, const std::string& name);
/// Dereference an object-reference attribute and return the referenced object's path.
[[nodiscard]] Result<std::string> read_reference_attribute(hid_t obj, const std::string& name);

/// Remove the attribute if it is there.
[[nodiscard]] Status delete_attribute(hid_t obj, const std::string& name);

// Writers replace an existing attribute of the same name.
/// Scalar variable-length UTF-8 string.
[[nodiscard]] Status write_string_attribute(hid_t obj, const std::string& name, const std::string& value);
/// Scalar float64.
[[nodiscard]] Status write_double_attribute(hid_t obj, const std::string& name, double value);
/// Scalar int64.
[[nodiscard]] Status write_int_attribute(hid_t obj, const std::string& name, std::int64_t value);
/// Simple 1-D float64 / int64 arrays.
[[nodiscard]] Status write_double_array_attribute(hid_t obj, const std::string& name,
                                                  const std::vector<double>& v);
[[nodiscard]] Status write_int_array_attribute(hid_t obj, const std::string& name,
                                               const std::vector<std::int64_t>& v);
/// Fixed-length ASCII string array (numpy 'S' dtype, length = longest element, at least 1).
[[nodiscard]] Status write_fixed_string_array_attribute(hid_t obj, const std::string& name,
                                                        const std::vector<std::string>& v);
/// Object reference to the object at `target_path` in the same file.
[[nodiscard]] Status write_reference_attribute(hid_t obj, const std::string& name, hid_t file,
                                               const std::string& target_path);

/// Copy every attribute of src onto dst, replacing same-named ones. Within one file values are copied
/// as they are; into another file, object references are re-made to the object at the same path there,
/// and references that cannot be re-made (no such path, region references) are left out.
[[nodiscard]] Status copy_attributes(hid_t src, hid_t dst);

} // namespace sluice::h5
