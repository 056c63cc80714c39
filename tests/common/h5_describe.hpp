#pragma once
// A readable, comparable description of an object's attributes ("f64 scalar 2000000", "ref /a/b", ...),
// so tests can compare our results groups with pycroscopy's attribute by attribute, types included.
#include <filesystem>
#include <map>
#include <string>

namespace sluice::test {

/// name → "type shape value" for every attribute of the object at `path`; object references are shown
/// as the path they point to.
[[nodiscard]] std::map<std::string, std::string> describe_attributes(const std::filesystem::path& file,
                                                                     const std::string& path);

/// Names of the links directly inside a group, sorted.
[[nodiscard]] std::map<std::string, std::string> describe_members(const std::filesystem::path& file,
                                                                  const std::string& group);

} // namespace sluice::test
