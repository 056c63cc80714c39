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
[[nodiscard]] std::vector<std::uint64_t> dataset_shape(const std::filesystem::path& file,
                                                       const std::string& path);

/// A crafted file of a few KB whose h5USID Main dataset (/Measurement_000/Channel_000/Raw_Data, float32)
/// and ancillaries declare `rows` × `points` but store nothing (chunked, never written), as a damaged or
/// hostile file can. With `rate_attribute` the channel carries IO_samp_rate_[Hz] = 1 MHz.
void write_declared_main(const std::filesystem::path& file, std::uint64_t rows, std::uint64_t points,
                         bool rate_attribute = true);

/// Add a 1-D dataset of three {re, im} float64 pairs (a compound type) at `dataset` of an existing file.
void add_compound_dataset(const std::filesystem::path& file, const std::string& dataset);

/// Distance in float32 units-in-the-last-place between two finite floats.
[[nodiscard]] std::int64_t ulp_distance(float a, float b);

} // namespace sluice::test
