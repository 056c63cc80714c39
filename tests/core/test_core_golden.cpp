// This build against pycroscopy (docs/FILTER_SPEC.md): for each golden file, the recipe it was made with
// gives exactly its Composite_Filter, the float32 row filter the engine runs gives its Filtered_Data
// within 2 float32 ulp and its Noise_Floors exactly, and `sluice-engine filter` in one process writes the
// same. Qt-free (check.hpp), so it runs in the engine-only preset too, where FFTW and HDF5 may be a
// cluster's own builds.
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"
#include "core/check.hpp"
#include "recipe/recipe.hpp"
#include "signal/row_filter.hpp"
#include "util/shell_quote.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <string>
#include <vector>

using namespace sluice;
namespace fs = std::filesystem;

namespace {

const std::string kRaw = "/Measurement_000/Channel_000/Raw_Data";
const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000/";

struct Case {
    std::string name;  ///< golden result, tests/data/golden/<name>.h5 and <name>.recipe.json
    std::string input; ///< the source pycroscopy filtered
};

/// Values further than 2 float32 ulp from pycroscopy's, counted (docs/FILTER_SPEC.md allows 2).
std::size_t beyond_two_ulp(const std::vector<float>& ours, const std::vector<float>& golden) {
    std::size_t worse = 0;
    for (std::size_t i = 0; i < ours.size(); ++i)
        if (test::ulp_distance(ours[i], golden[i]) > 2) ++worse;
    return worse;
}

void check_library(const Case& c, const recipe::FilterRecipe& recipe) {
    const auto in = test::golden(c.input), gold = test::golden(c.name + ".h5");
    const auto shape = test::dataset_shape(in, kRaw);
    const std::size_t rows = shape.at(0), n = shape.at(1);
    const auto fs_hz = recipe::resolve_sample_rate(recipe, std::nullopt);
    CORE_CHECK(fs_hz.has_value(), c.name + ": the golden recipe names its sample rate");
    if (!fs_hz) return;
    const auto composite = recipe::validate_for_dataset(recipe, n, *fs_hz);
    CORE_CHECK(composite.has_value(), c.name + ": " + (composite ? "" : composite.error().message));
    if (!composite) return;
    if (!recipe.filters.empty())
        CORE_CHECK(*composite == test::read_f32(gold, kGroup + "Composite_Filter"),
                   c.name + ": Composite_Filter differs from pycroscopy's");

    auto filter = signal::RowFilter::create(n, *composite, recipe.noise_threshold);
    CORE_CHECK(filter.has_value(), c.name + ": " + (filter ? "" : filter.error().message));
    if (!filter) return;
    const auto raw = test::read_f32(in, kRaw);
    std::vector<float> out(raw.size());
    std::vector<float> floors(rows);
    for (std::size_t r = 0; r < rows; ++r)
        floors[r] = static_cast<float>(
            filter->filter(std::span(raw).subspan(r * n, n), std::span(out).subspan(r * n, n)).noise_floor);
    const auto worse = beyond_two_ulp(out, test::read_f32(gold, kGroup + "Filtered_Data"));
    CORE_CHECK(worse == 0,
               fmt::format("{}: {} of {} filtered values beyond 2 ulp", c.name, worse, out.size()));
    if (recipe.noise_threshold)
        CORE_CHECK(floors == test::read_f32(gold, kGroup + "Noise_Floors"), c.name + ": Noise_Floors differ");
}

void check_engine(const Case& c, const test::TempDir& dir) {
    const auto out = dir / (c.name + ".h5");
    const auto command =
        fmt::format("{} filter --input {} --dataset {} --recipe {} --output {} --quiet",
                    shell_quote(test::engine_exe().string()), shell_quote(test::golden(c.input).string()),
                    shell_quote(kRaw), shell_quote(test::golden(c.name + ".recipe.json").string()),
                    shell_quote(out.string()));
    const int status = std::system(command.c_str());
    CORE_CHECK(status == 0, c.name + ": " + command);
    if (status != 0) return;
    const auto gold = test::golden(c.name + ".h5");
    const auto ours = test::read_f32(out, kGroup + "Filtered_Data");
    const auto golden = test::read_f32(gold, kGroup + "Filtered_Data");
    CORE_CHECK(ours.size() == golden.size(), c.name + ": Filtered_Data has another shape");
    if (ours.size() != golden.size()) return;
    CORE_CHECK(beyond_two_ulp(ours, golden) == 0, c.name + ": the engine's Filtered_Data differs");
    const auto members = test::describe_members(gold, kGroup.substr(0, kGroup.size() - 1));
    for (const auto* name : {"Composite_Filter", "Noise_Floors"}) {
        if (members.count(name))
            CORE_CHECK(test::read_f32(out, kGroup + name) == test::read_f32(gold, kGroup + name),
                       c.name + ": the engine's " + name + " differs");
    }
    const auto done = test::read_u8(out, kGroup + "completed_positions");
    CORE_CHECK(std::ranges::all_of(done, [](auto v) { return v == 1; }), c.name + ": rows left undone");
}

} // namespace

int main() {
    return coretest::run("test_core_golden", [] {
        const std::vector<Case> cases = {{"p2048_lowpass_notch", "p2048-input.h5"},
                                         {"p2048_harmonic", "p2048-input.h5"},
                                         {"p1023_bandpass", "p1023-input.h5"},
                                         {"p1023_threshold_only", "p1023-input.h5"}};
        const test::TempDir dir;
        for (const auto& c : cases) {
            const auto recipe = recipe::load_recipe(test::golden(c.name + ".recipe.json"));
            CORE_CHECK(recipe.has_value(), c.name + ": " + (recipe ? "" : recipe.error().message));
            if (!recipe) continue;
            check_library(c, *recipe);
            check_engine(c, dir);
        }
    });
}
