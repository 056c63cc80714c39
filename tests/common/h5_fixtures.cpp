#include "common/h5_fixtures.hpp"

#include <hdf5.h>

#include <bit>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "h5/handles.hpp"

namespace sluice::test {

std::filesystem::path golden(const std::string& name) {
    return std::filesystem::path(SLUICE_TEST_DATA_DIR) / "golden" / name;
}

std::filesystem::path engine_exe() { return SLUICE_ENGINE_EXE; }

TempDir::TempDir() {
    std::random_device rd;
    const auto base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = base / ("sluice-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(candidate)) {
            path_ = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

namespace {

template <class T>
std::vector<T> read_all(const std::filesystem::path& file, const std::string& path, hid_t memtype) {
    h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f) throw std::runtime_error("cannot open " + file.string());
    h5::Dataset d(H5Dopen2(f.get(), path.c_str(), H5P_DEFAULT));
    if (!d) throw std::runtime_error("no dataset " + path + " in " + file.string());
    h5::Dataspace s(H5Dget_space(d.get()));
    const auto n = H5Sget_simple_extent_npoints(s.get());
    std::vector<T> out(static_cast<std::size_t>(n));
    if (H5Dread(d.get(), memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        throw std::runtime_error("cannot read " + path);
    return out;
}

} // namespace

std::vector<float> read_f32(const std::filesystem::path& file, const std::string& path) {
    return read_all<float>(file, path, H5T_NATIVE_FLOAT);
}
std::vector<double> read_f64(const std::filesystem::path& file, const std::string& path) {
    return read_all<double>(file, path, H5T_NATIVE_DOUBLE);
}
std::vector<std::uint8_t> read_u8(const std::filesystem::path& file, const std::string& path) {
    return read_all<std::uint8_t>(file, path, H5T_NATIVE_UINT8);
}

std::vector<std::uint64_t> dataset_shape(const std::filesystem::path& file, const std::string& path) {
    h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f) throw std::runtime_error("cannot open " + file.string());
    h5::Dataset d(H5Dopen2(f.get(), path.c_str(), H5P_DEFAULT));
    if (!d) throw std::runtime_error("no dataset " + path);
    h5::Dataspace s(H5Dget_space(d.get()));
    const int rank = H5Sget_simple_extent_ndims(s.get());
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(s.get(), dims.data(), nullptr);
    return {dims.begin(), dims.end()};
}

std::int64_t ulp_distance(float a, float b) {
    // Map the float's bit patterns onto a monotone integer line so that the difference counts ulps.
    auto key = [](float v) {
        const auto bits = std::bit_cast<std::int32_t>(v);
        return bits < 0 ? std::int64_t{INT32_MIN} - bits : std::int64_t{bits};
    };
    const auto d = key(a) - key(b);
    return d < 0 ? -d : d;
}

} // namespace sluice::test
