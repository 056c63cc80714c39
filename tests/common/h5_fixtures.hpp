#pragma once
// Test helpers: paths of the checked-in data, scratch directories, and whole-dataset reads for
// comparing against the pycroscopy golden files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::test {

/// tests/data/golden/<name>
[[nodiscard]] std::filesystem::path golden(const std::string& name);
/// The built sluice-engine executable.
[[nodiscard]] std::filesystem::path engine_exe();
/// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// Whole-dataset reads (any numeric type converted by HDF5); they QFAIL-free throw std::runtime_error.
[[nodiscard]] std::vector<float> read_f32(const std::filesystem::path& file, const std::string& path);
[[nodiscard]] std::vector<double> read_f64(const std::filesystem::path& file, const std::string& path);
[[nodiscard]] std::vector<std::uint8_t> read_u8(const std::filesystem::path& file, const std::string& path);
[[nodiscard]] std::vector<std::uint64_t> dataset_shape(const std::filesystem::path& file, const std::string& path);

/// Distance in float32 units-in-the-last-place between two finite floats.
[[nodiscard]] std::int64_t ulp_distance(float a, float b);

} // namespace sluice::test
