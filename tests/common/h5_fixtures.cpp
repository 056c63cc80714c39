#include "common/h5_fixtures.hpp"

#include "h5/attributes.hpp"
#include "h5/handles.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <hdf5.h>
#include <random>
#include <stdexcept>

namespace sluice::test {

std::filesystem::path golden(const std::string& name) {
    return std::filesystem::path(SLUICE_TEST_DATA_DIR) / "golden" / name;
}

std::filesystem::path engine_exe() {
    return SLUICE_ENGINE_EXE;
}

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

namespace {

h5::Dataset declared_dataset(hid_t file, const char* path, hid_t type, hsize_t d0, hsize_t d1) {
    const hsize_t dims[2] = {d0, d1};
    const hsize_t chunk[2] = {1, std::min<hsize_t>(d1, 1024)};
    h5::Dataspace space(H5Screate_simple(2, dims, nullptr));
    h5::PropList dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 2, chunk);
    h5::Dataset d(H5Dcreate2(file, path, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!d) throw std::runtime_error(std::string("cannot create ") + path);
    return d;
}

void check(const Status& st) {
    if (!st) throw std::runtime_error(st.error().message);
}

} // namespace

void write_declared_main(const std::filesystem::path& path, std::uint64_t rows, std::uint64_t points,
                         bool rate_attribute) {
    h5::File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    h5::PropList lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    h5::Group g(H5Gcreate2(f.get(), "/Measurement_000/Channel_000", lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!f || !g) throw std::runtime_error("cannot create " + path.string());
    if (rate_attribute) check(h5::write_double_attribute(g.get(), "IO_samp_rate_[Hz]", 1e6));
    const std::string c = "/Measurement_000/Channel_000/";
    auto raw = declared_dataset(f.get(), (c + "Raw_Data").c_str(), H5T_IEEE_F32LE, rows, points);
    const std::pair<const char*, bool> ancillaries[] = {{"Position_Indices", true},
                                                        {"Position_Values", true},
                                                        {"Spectroscopic_Indices", false},
                                                        {"Spectroscopic_Values", false}};
    for (const auto& [name, positions] : ancillaries) {
        const bool indices = std::string(name).ends_with("Indices");
        auto a = declared_dataset(f.get(), (c + name).c_str(), indices ? H5T_STD_U32LE : H5T_IEEE_F32LE,
                                  positions ? rows : 1, positions ? 1 : points);
        check(h5::write_fixed_string_array_attribute(a.get(), "labels", {positions ? "X" : "Time"}));
        check(h5::write_fixed_string_array_attribute(a.get(), "units", {positions ? "m" : "s"}));
        check(h5::write_reference_attribute(raw.get(), name, f.get(), c + name));
    }
    check(h5::write_string_attribute(raw.get(), "quantity", "Current"));
    check(h5::write_string_attribute(raw.get(), "units", "A"));
}

void add_compound_dataset(const std::filesystem::path& file, const std::string& dataset) {
    h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    h5::Datatype pair(H5Tcreate(H5T_COMPOUND, 2 * sizeof(double)));
    H5Tinsert(pair.get(), "re", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(pair.get(), "im", sizeof(double), H5T_NATIVE_DOUBLE);
    const hsize_t n[1] = {3};
    h5::Dataspace space(H5Screate_simple(1, n, nullptr));
    h5::Dataset d(
        H5Dcreate2(f.get(), dataset.c_str(), pair.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!f || !d) throw std::runtime_error("cannot add " + dataset + " to " + file.string());
}

} // namespace sluice::test
