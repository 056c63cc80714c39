// h5::BrowseFile, the desktop app's way into HDF5, on the pycroscopy golden files and crafted ones:
// listings, bit-exact pages, bounded pages of huge declared datasets, per-row RMS, stored noise floors,
// and the recipe a results group was made with.
#include "common/h5_fixtures.hpp"
#include "common/result_checks.hpp"
#include "h5/attributes.hpp"
#include "h5/browse.hpp"
#include "h5/handles.hpp"
#include "recipe/recipe.hpp"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kChannel = "/Measurement_000/Channel_000";
const std::string kRaw = kChannel + "/Raw_Data";
const std::string kGroup = kRaw + "-FFT_Filtering_000";
const char* const kGoldenSetups[] = {"p2048_lowpass_notch", "p2048_harmonic", "p1023_bandpass",
                                     "p1023_threshold_only"};

// Filters in a fixed order, so that two recipes compare regardless of the order of their filters.
recipe::FilterRecipe sorted(recipe::FilterRecipe r) {
    std::ranges::sort(r.filters, {}, [](const signal::FilterSpec& f) { return signal::filter_type_name(f); });
    return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

class TestH5Browse : public QObject {
    Q_OBJECT

private slots:
    void listsGroupsAndMarksResults() {
        auto f = h5::BrowseFile::open(golden("p2048_lowpass_notch.h5"));
        CHECK_OK(f);
        QCOMPARE(f->main_datasets(),
                 (std::vector<std::string>{kRaw, kGroup + "/Filtered_Data", kGroup + "/Noise_Floors"}));
        auto members = f->list_group(kChannel);
        CHECK_OK(members);
        const auto group = std::ranges::find(*members, kGroup, &h5::Entry::path);
        QVERIFY(group != members->end());
        QCOMPARE(group->kind, h5::EntryKind::group);
        QVERIFY(group->filter_result);
        const auto raw = std::ranges::find(*members, kRaw, &h5::Entry::path);
        QVERIFY(raw != members->end());
        QCOMPARE(raw->shape, (std::vector<std::uint64_t>{12, 2048}));
        QCOMPARE(raw->dtype, std::string("float32"));
        QVERIFY(!raw->filter_result);
        auto attrs = f->attributes(kGroup);
        CHECK_OK(attrs);
        QVERIFY(std::ranges::find(*attrs, std::string("samp_rate"), &h5::AttributeEntry::name) !=
                attrs->end());
    }

    // Pages hold the stored values exactly: float32 stays float32, and its text reads back to the same bits.
    void pagesAreExact() {
        auto f = h5::BrowseFile::open(golden("p2048-input.h5"));
        CHECK_OK(f);
        const auto expected = read_f32(golden("p2048-input.h5"), kRaw);
        auto page = f->read_page(kRaw, {.first_row = 0, .max_columns = 4096});
        CHECK_OK(page);
        QCOMPARE(page->rows, std::uint64_t{12});
        QCOMPARE(page->columns, std::uint64_t{2048});
        QVERIFY(same_bits(std::get<std::vector<float>>(page->values), expected));
        const float back = std::strtof(page->text(3, 7).c_str(), nullptr);
        QCOMPARE(std::memcmp(&back, &expected[3 * 2048 + 7], sizeof(float)), 0);

        // A window further in: rows 5.., columns 100.. of at most 3 × 10.
        auto part =
            f->read_page(kRaw, {.first_row = 5, .first_column = 100, .max_rows = 3, .max_columns = 10});
        CHECK_OK(part);
        QCOMPARE(part->rows, std::uint64_t{3});
        QCOMPARE(part->columns, std::uint64_t{10});
        QCOMPARE(part->number(2, 9), static_cast<double>(expected[7 * 2048 + 109]));

        // 1-D: one column.
        auto composite = f->read_page("/Measurement_000/Channel_000/Spectroscopic_Values", {});
        CHECK_OK(composite);
        QCOMPARE(composite->total_rows, std::uint64_t{1});
        QCOMPARE(composite->total_columns, std::uint64_t{2048});
    }

    // A crafted file declares 2^36 values and stores none: one page stays within the bounds.
    void hugeDeclaredDatasetGivesOneBoundedPage() {
        TempDir dir;
        const auto path = dir / "huge.h5";
        write_declared_main(path, std::uint64_t{1} << 18, std::uint64_t{1} << 18);
        auto f = h5::BrowseFile::open(path);
        CHECK_OK(f);
        auto page = f->read_page(kRaw, {});
        CHECK_OK(page);
        QCOMPARE(page->total_rows * page->total_columns, std::uint64_t{1} << 36);
        QVERIFY(page->rows * page->columns <= h5::max_page_values);
        QVERIFY(page->rows * page->columns * sizeof(float) <= h5::max_page_bytes);
        QVERIFY(page->rows >= 1);
        auto far = f->read_page(kRaw, {.first_row = (std::uint64_t{1} << 18) - 1});
        CHECK_OK(far);
        QCOMPARE(far->rows, std::uint64_t{1});
    }

    void refusesValuesItCannotShow() {
        auto f = h5::BrowseFile::open(golden("p2048-input.h5"));
        CHECK_OK(f);
        auto page = f->read_page(kChannel, {});
        QVERIFY(!page);
    }

    void rowRmsMatchesADirectComputation() {
        const auto file = golden("p1023-input.h5");
        auto f = h5::BrowseFile::open(file);
        CHECK_OK(f);
        const auto values = read_f64(file, kRaw);
        auto first = f->row_rms(kRaw, 0, 4);
        auto rest = f->row_rms(kRaw, 4, 3);
        CHECK_OK(first);
        CHECK_OK(rest);
        first->insert(first->end(), rest->begin(), rest->end());
        QCOMPARE(first->size(), std::size_t{7});
        for (std::size_t r = 0; r < 7; ++r) {
            double sum = 0;
            for (std::size_t i = 0; i < 1023; ++i)
                sum += values[r * 1023 + i] * values[r * 1023 + i];
            QCOMPARE((*first)[r], std::sqrt(sum / 1023));
        }
        QVERIFY(!f->row_rms(kRaw, 6, 2));
    }

    void readsStoredNoiseFloors() {
        const auto file = golden("p1023_bandpass.h5");
        auto f = h5::BrowseFile::open(file);
        CHECK_OK(f);
        auto floors = f->noise_floors(kGroup);
        CHECK_OK(floors);
        const auto expected = read_f32(file, kGroup + "/Noise_Floors");
        QCOMPARE(floors->size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            QCOMPARE((*floors)[i], static_cast<double>(expected[i]));
        QVERIFY(!f->noise_floors(kChannel)); // no Noise_Floors there
    }

    // pycroscopy's attributes give back the setup: the recipe of the golden README, and the very
    // Composite_Filter the run stored.
    void rebuildsPycroscopyRecipes() {
        for (const char* setup : kGoldenSetups) {
            const auto file = golden(std::string(setup) + ".h5");
            auto f = h5::BrowseFile::open(file);
            CHECK_OK(f);
            auto rebuilt = f->result_recipe(kGroup);
            CHECK_OK(rebuilt);
            QVERIFY(!rebuilt->from_sluice);
            QVERIFY2(rebuilt->note.empty(), rebuilt->note.c_str());
            auto expected = recipe::load_recipe(golden(std::string(setup) + ".recipe.json"));
            CHECK_OK(expected);
            QVERIFY2(sorted(rebuilt->recipe) == sorted(*expected), setup);
            if (rebuilt->recipe.filters.empty()) continue;
            auto built = recipe::validate_for_dataset(rebuilt->recipe, f->shape(kRaw)->at(1),
                                                      *rebuilt->recipe.sample_rate_hz);
            CHECK_OK(built);
            QVERIFY2(same_bits(*built, read_f32(file, kGroup + "/Composite_Filter")), setup);
        }
    }

    // A group Sluice wrote carries its recipe; edited parameters that no longer make the stored
    // composite are reported.
    void prefersSluiceRecipeAndChecksComposite() {
        TempDir dir;
        const auto copy = dir / "copy.h5";
        fs::copy_file(golden("p2048_lowpass_notch.h5"), copy);
        {
            h5::File file(H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
            h5::Group g(H5Gopen2(file.get(), kGroup.c_str(), H5P_DEFAULT));
            QVERIFY(h5::write_double_attribute(g.get(), "low_pass_cut_off", 300000.0).has_value());
        }
        // Each read opens the file anew and closes it before the next edit.
        const auto recipe_of = [&copy](const std::string& group) {
            auto f = h5::BrowseFile::open(copy);
            return f ? f->result_recipe(group) : Result<h5::ResultRecipe>(std::unexpected(f.error()));
        };
        auto edited = recipe_of(kGroup);
        CHECK_OK(edited);
        QVERIFY(edited->note.find("Composite_Filter") != std::string::npos);
        {
            h5::File file(H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
            h5::Group g(H5Gopen2(file.get(), kGroup.c_str(), H5P_DEFAULT));
            auto harmonic = recipe::load_recipe(golden("p2048_harmonic.recipe.json"));
            QVERIFY(h5::write_string_attribute(g.get(), "sluice_recipe", recipe::canonical_json(*harmonic))
                        .has_value());
        }
        auto sluice = recipe_of(kGroup);
        CHECK_OK(sluice);
        QVERIFY(sluice->from_sluice);
        QCOMPARE(sluice->recipe, *recipe::load_recipe(golden("p2048_harmonic.recipe.json")));
        QVERIFY(!recipe_of(kChannel)); // not a results group
    }
};

QTEST_GUILESS_MAIN(TestH5Browse)
#include "test_h5_browse.moc"
