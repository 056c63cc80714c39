// The h5USID reader (shared/h5/usid.cpp) on mutated small HDF5 files: the bytes are written to a file
// and opened the way inspect, filter and the GUI open one. Any file gives Main datasets or errors, never
// a crash, and every HDF5 object opened is closed again (a leaked id would keep the file open).
// libhdf5 1.10 itself crashes on corrupt files within seconds (docs/FUZZING.md), so this target is for
// the long run with -fork and -ignore_crashes, not for ctest; fuzz_h5usid covers our reader there.
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/rows.hpp"
#include "h5/usid.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace sluice;

namespace {

fs::path scratch_file;

void remove_scratch() {
    std::error_code ec;
    fs::remove_all(scratch_file.parent_path(), ec);
}

bool write_all(const fs::path& path, const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(data, 1, size, f) == size;
    return std::fclose(f) == 0 && ok;
}

// Reads the first and last row when they are small: the reader itself must never allocate from a
// declared shape, so this budget is the harness's own.
void read_some_rows(hid_t file, const h5::MainDataset& main) {
    constexpr std::uint64_t max_points = 1 << 16;
    if (main.points == 0 || main.points > max_points || main.rows == 0) return;
    auto ds = h5::open_dataset(file, main.path);
    if (!ds) return;
    std::vector<double> row(main.points);
    (void)h5::read_rows(ds->get(), 0, 1, row);
    (void)h5::read_rows(ds->get(), main.rows - 1, 1, row);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const std::string dir = (fs::temp_directory_path() / "sluice-fuzz-h5.XXXXXX").string();
    std::vector<char> name(dir.begin(), dir.end());
    name.push_back('\0');
    if (!mkdtemp(name.data())) std::abort();
    scratch_file = fs::path(name.data()) / "input.h5";
    std::atexit(remove_scratch);
    h5::silence_error_printing();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!write_all(scratch_file, data, size)) std::abort();
    {
        auto file = h5::open_file(scratch_file, h5::Access::read_only);
        if (!file) return 0;
        for (const auto& path : h5::find_main_datasets(file->get())) {
            auto main = h5::read_main_dataset(file->get(), path);
            (void)h5::find_sample_rate(file->get(), path);
            if (!main) {
                if (main.error().message.empty()) std::abort();
                continue;
            }
            read_some_rows(file->get(), *main);
        }
        // The usual path even when detection found nothing: the error names the broken rule.
        auto main = h5::read_main_dataset(file->get(), "/Measurement_000/Channel_000/Raw_Data");
        if (!main && main.error().message.empty()) std::abort();
    }
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) std::abort();
    return 0;
}
