// The h5USID reader (shared/h5/usid.cpp) on hostile but well-formed files: the input chooses an
// h5USID-like layout (shapes up to 2^62 declared with no data stored, value types, attributes of the
// wrong kind or with non-UTF-8 text, references to the wrong objects, sample-rate attributes) and this
// harness writes it through HDF5's own API, so that libhdf5's decoder sees only valid files (it crashes
// on corrupt bytes itself: fuzz_h5usid_bytes) and the findings are ours. Properties: no crash, no
// allocation from a declared shape (-rss_limit_mb / -malloc_limit_mb), every HDF5 id closed again.
#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/rows.hpp"
#include "h5/usid.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace sluice;

namespace {

fs::path scratch_file;
constexpr const char* channel = "/Measurement_000/Channel_000";
constexpr const char* raw = "/Measurement_000/Channel_000/Raw_Data";

hsize_t extent(FuzzedDataProvider& in, hsize_t usual) {
    switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
        return usual;
    case 1:
        return 0;
    case 2:
        return hsize_t{1} << in.ConsumeIntegralInRange(20, 62); // declared, never stored
    default:
        return in.ConsumeIntegralInRange<hsize_t>(1, 9);
    }
}

hid_t value_type(FuzzedDataProvider& in) {
    static const std::array<hid_t, 10> numeric = {
        H5T_IEEE_F32LE, H5T_IEEE_F64LE, H5T_STD_I8LE,  H5T_STD_U8LE,  H5T_STD_I16BE,
        H5T_STD_U16LE,  H5T_STD_I32LE,  H5T_STD_U32BE, H5T_STD_I64LE, H5T_STD_U64LE};
    const auto k = in.ConsumeIntegralInRange<std::size_t>(0, numeric.size() + 1);
    if (k < numeric.size()) return H5Tcopy(numeric[k]);
    if (k == numeric.size()) { // complex, as band-excitation data is stored
        const hid_t t = H5Tcreate(H5T_COMPOUND, 16);
        H5Tinsert(t, "r", 0, H5T_IEEE_F64LE);
        H5Tinsert(t, "i", 8, H5T_IEEE_F64LE);
        return t;
    }
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 3);
    return t;
}

// A dataset of 0 to 3 dimensions. Large ones are chunked and left unwritten (nothing is stored); small
// numeric ones get values from the input.
void make_dataset(FuzzedDataProvider& in, hid_t file, const std::string& path, std::vector<hsize_t> dims) {
    h5::Datatype type(value_type(in));
    std::uint64_t count = 1;
    bool small = true;
    for (auto d : dims) {
        if (d > 4096 || (d && count > 4096 / d)) small = false;
        count = d && count > (std::uint64_t{1} << 62) / d ? std::uint64_t{1} << 62 : count * d;
    }
    h5::Dataspace space;
    h5::PropList dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (small) {
        space = h5::Dataspace(dims.empty()
                                  ? H5Screate(H5S_SCALAR)
                                  : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    } else {
        const std::vector<hsize_t> max(dims.size(), H5S_UNLIMITED), chunk(dims.size(), 1);
        space = h5::Dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max.data()));
        H5Pset_chunk(dcpl.get(), static_cast<int>(dims.size()), chunk.data());
    }
    h5::PropList lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    h5::Dataset ds(
        H5Dcreate2(file, path.c_str(), type.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
    if (!ds || !small || H5Tget_class(type.get()) == H5T_COMPOUND || H5Tget_class(type.get()) == H5T_STRING)
        return;
    std::vector<double> values(count);
    const double step = in.ConsumeFloatingPoint<double>();
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = in.ConsumeBool() ? in.ConsumeFloatingPoint<double>() : step * static_cast<double>(i);
    H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
}

// A text attribute in the form h5USID uses (scalar for count 0, else an array of `count`), or missing,
// or of the wrong kind. Choice 0, which an exhausted input gives, is the valid form.
void text_attribute(FuzzedDataProvider& in, hid_t obj, const std::string& name, const std::string& usual,
                    std::size_t count) {
    const auto text = [&] { return in.ConsumeBool() ? in.ConsumeRandomLengthString(24) : usual; };
    const auto array = [&](std::size_t n) {
        std::vector<std::string> v;
        for (std::size_t i = 0; i < n; ++i)
            v.push_back(text());
        (void)h5::write_fixed_string_array_attribute(obj, name, v);
    };
    switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0:
        if (count == 0) {
            (void)h5::write_string_attribute(obj, name, text());
        } else {
            array(std::min<std::size_t>(count, 16)); // one label per dimension, of a huge shape too
        }
        return;
    case 1:
        return; // missing
    case 2:
        (void)h5::write_double_attribute(obj, name, in.ConsumeFloatingPoint<double>());
        return;
    case 3:
        (void)h5::write_string_attribute(obj, name, text());
        return;
    default:
        array(in.ConsumeIntegralInRange<std::size_t>(0, 4));
    }
}

void ancillary(FuzzedDataProvider& in, hid_t file, hid_t main, const std::string& name, bool rows_fixed,
               hsize_t fixed) {
    const std::string path = std::string(channel) + "/" + name;
    const hsize_t described = extent(in, 1);
    std::vector<hsize_t> dims =
        rows_fixed ? std::vector<hsize_t>{fixed, described} : std::vector<hsize_t>{described, fixed};
    if (in.ConsumeIntegralInRange(0, 7) == 7) dims = {extent(in, fixed)};
    make_dataset(in, file, path, dims);
    if (h5::path_exists(file, path)) {
        auto ds = h5::open_dataset(file, path);
        if (ds) {
            text_attribute(in, ds->get(), "labels", "Time", described);
            text_attribute(in, ds->get(), "units", in.ConsumeBool() ? "s" : "us", described);
        }
    }
    // 0: the right dataset (an exhausted input), 1: missing, then the wrong objects, last a plain path.
    static const std::array<const char*, 3> wrong = {"/Measurement_000", raw,
                                                     "/Measurement_000/Channel_000/Position_Values"};
    const auto k = in.ConsumeIntegralInRange<std::size_t>(0, wrong.size() + 2);
    if (k == 0) {
        (void)h5::write_reference_attribute(main, name, file, path);
    } else if (k - 2 < wrong.size()) {
        (void)h5::write_reference_attribute(main, name, file, wrong[k - 2]);
    } else if (k == wrong.size() + 2) {
        (void)h5::write_string_attribute(main, name, path); // a path, not a reference
    }
}

bool build_file(FuzzedDataProvider& in) {
    h5::File file(H5Fcreate(scratch_file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file) return false;
    const hsize_t rows = extent(in, 4), points = extent(in, 8);
    make_dataset(in, file.get(), raw,
                 in.ConsumeIntegralInRange(0, 7) == 7
                     ? std::vector<hsize_t>(in.ConsumeIntegralInRange(0, 3), 2)
                     : std::vector<hsize_t>{rows, points});
    auto main = h5::open_dataset(file.get(), raw);
    if (!main) return true;
    text_attribute(in, main->get(), "quantity", "Current", 0);
    text_attribute(in, main->get(), "units", "nA", 0);
    ancillary(in, file.get(), main->get(), "Position_Indices", true, rows);
    ancillary(in, file.get(), main->get(), "Position_Values", true, rows);
    ancillary(in, file.get(), main->get(), "Spectroscopic_Indices", false, points);
    ancillary(in, file.get(), main->get(), "Spectroscopic_Values", false, points);
    auto group = h5::open_group(file.get(), channel);
    for (hid_t obj : {group ? group->get() : H5I_INVALID_HID, main->get()}) {
        if (obj == H5I_INVALID_HID) continue;
        switch (in.ConsumeIntegralInRange(0, 4)) {
        case 4:
            (void)h5::write_double_attribute(obj, "IO_samp_rate_[Hz]", in.ConsumeFloatingPoint<double>());
            break;
        case 2:
            (void)h5::write_string_attribute(obj, "IO_samp_rate_[Hz]", in.ConsumeRandomLengthString(12));
            break;
        case 3:
            (void)h5::write_double_array_attribute(obj, "IO_samp_rate_[Hz]", {1e6, 2e6});
            break;
        default:
            break;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::string dir = (fs::temp_directory_path() / "sluice-fuzz-usid.XXXXXX").string();
    if (!mkdtemp(dir.data())) std::abort();
    scratch_file = fs::path(dir) / "input.h5";
    std::atexit([] {
        std::error_code ec;
        fs::remove_all(scratch_file.parent_path(), ec);
    });
    h5::silence_error_printing();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    if (!build_file(in)) std::abort();
    (void)h5::take_error_stack();
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort(); // the harness's own ids
    {
        auto file = h5::open_file(scratch_file, h5::Access::read_only);
        if (!file) std::abort(); // a file HDF5 itself just wrote
        for (const auto& path : h5::find_main_datasets(file->get())) {
            auto main = h5::read_main_dataset(file->get(), path);
            (void)h5::find_sample_rate(file->get(), path);
            if (!main && main.error().message.empty()) std::abort();
        }
        auto main = h5::read_main_dataset(file->get(), raw);
        if (!main && main.error().message.empty()) std::abort();
        if (main && main->points <= (1 << 16) && main->rows > 0) {
            auto ds = h5::open_dataset(file->get(), raw);
            std::vector<double> row(main->points);
            if (ds) (void)h5::read_rows(ds->get(), main->rows - 1, 1, row);
        }
    }
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort();
    return 0;
}
