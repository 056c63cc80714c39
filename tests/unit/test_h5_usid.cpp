// shared/h5 on real files: synth output and the pycroscopy golden inputs read back as h5USID Main
// datasets, row-block I/O, attribute types, and a clear error for each kind of broken file.
#include "commands.hpp"
#include "common/h5_describe.hpp"
#include "common/h5_fixtures.hpp"
#include "common/result_checks.hpp"
#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/rows.hpp"
#include "h5/usid.hpp"
#include "h5/usid_writer.hpp"
#include "run/filter_request.hpp"
#include "util/memory_budget.hpp"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kChannel = "/Measurement_000/Channel_000";
const std::string kRaw = kChannel + "/Raw_Data";

Status synth(const fs::path& out, std::uint64_t rows, std::uint64_t points, double rate,
             std::uint64_t seed = 1) {
    return engine::run_synth({out, rows, points, rate, seed});
}

h5::File open_rw(const fs::path& p) {
    return h5::File(H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
}

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A small valid Main dataset written by our writer, to be broken by the test afterwards.
h5::Dataset write_main(hid_t file, std::uint64_t rows, std::uint64_t points,
                       h5::ValueType type = h5::ValueType::float32, const std::string& group = kChannel) {
    h5::MainDatasetLayout l;
    l.group_path = group;
    l.type = type;
    l.quantity = "Current";
    l.units = "A";
    l.positions = {{"X", "m", rows, 1e-6, 0}};
    l.spectroscopic = {{"Time", "s", points, 1e-6, 0}};
    auto d = h5::create_main_dataset(file, l);
    return d ? std::move(*d) : h5::Dataset();
}

// A dataset made with the bare C API, with the h5USID attributes of a valid Main copied onto it.
void replace_with(hid_t file, const std::string& path, hid_t type, std::vector<hsize_t> dims) {
    h5::Dataset good(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    const std::string tmp = path + "_broken";
    h5::Dataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    h5::Dataset bad(H5Dcreate2(file, tmp.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    QVERIFY(bad.valid());
    QVERIFY(h5::copy_attributes(good.get(), bad.get()).has_value());
    good.reset();
    bad.reset();
    QVERIFY(H5Ldelete(file, path.c_str(), H5P_DEFAULT) >= 0);
    QVERIFY(H5Lmove(file, tmp.c_str(), file, path.c_str(), H5P_DEFAULT, H5P_DEFAULT) >= 0);
}

} // namespace

class TestH5Usid : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path small_; // 12 rows x 64 points at 1 MHz, seed 7

private slots:
    void initTestCase() {
        h5::silence_error_printing();
        small_ = dir_ / "small.h5";
        CHECK_OK(synth(small_, 12, 64, 1e6, 7));
    }

    void synthReadsBackAsMain() {
        auto f = h5::open_file(small_, h5::Access::read_only);
        CHECK_OK(f);
        auto m = h5::read_main_dataset(f->get(), kRaw);
        CHECK_OK(m);
        QCOMPARE(m->path, kRaw);
        QCOMPARE(m->rows, std::uint64_t{12});
        QCOMPARE(m->points, std::uint64_t{64});
        QCOMPARE(m->type, h5::ValueType::float32);
        QCOMPARE(m->quantity, std::string("Deflection"));
        QCOMPARE(m->units, std::string("V"));
        const std::array<std::uint64_t, 2> pos{12, 2}, spec{1, 64};
        QCOMPARE(m->position_indices.shape, pos);
        QCOMPARE(m->position_values.shape, pos);
        QCOMPARE(m->spectroscopic_indices.shape, spec);
        QCOMPARE(m->spectroscopic_values.shape, spec);
        QCOMPARE(m->position_values.labels, (std::vector<std::string>{"Y", "X"}));
        QCOMPARE(m->position_values.units, (std::vector<std::string>{"m", "m"}));
        QCOMPARE(m->spectroscopic_values.labels, std::vector<std::string>{"Time"});
        QCOMPARE(m->spectroscopic_indices.units, std::vector<std::string>{"s"});
        QCOMPARE(m->sample_rate_hz, std::optional<double>(1e6));
        QVERIFY(m->sample_rate_origin.find("IO_samp_rate_[Hz]") != std::string::npos);
        QCOMPARE(h5::find_main_datasets(f->get()), std::vector<std::string>{kRaw});

        // 12 positions make a 3 x 4 grid, X fastest; time steps of 1/rate.
        const auto idx = read_f64(small_, kChannel + "/Position_Indices");
        QCOMPARE(idx[5 * 2], 1.0);
        QCOMPARE(idx[5 * 2 + 1], 1.0);
        QCOMPARE(idx[11 * 2], 2.0);
        QCOMPARE(idx[11 * 2 + 1], 3.0);
        QCOMPARE(read_f32(small_, kChannel + "/Spectroscopic_Values")[10], 1e-5f);
    }

    void synthAttributesHaveTheGoldenTypes() {
        // Same attribute types and values as pyUSID wrote into the golden input (bookkeeping aside).
        const auto golden_in = golden("p2048-input.h5");
        for (const auto* name :
             {"Position_Indices", "Position_Values", "Spectroscopic_Indices", "Spectroscopic_Values"})
            QCOMPARE(describe_attributes(small_, kChannel + "/" + name),
                     describe_attributes(golden_in, kChannel + "/" + name));
        const auto ours = describe_attributes(small_, kRaw);
        const auto theirs = describe_attributes(golden_in, kRaw);
        for (const auto* key : {"quantity", "units", "Position_Indices", "Position_Values",
                                "Spectroscopic_Indices", "Spectroscopic_Values"})
            QCOMPARE(ours.at(key), theirs.at(key));
        QCOMPARE(describe_attributes(small_, kChannel).at("IO_samp_rate_[Hz]"),
                 std::string("f64 scalar 1000000"));
    }

    void sampleRateFallsBackToSpacing() {
        const auto p = dir_ / "spacing.h5";
        fs::copy_file(small_, p);
        {
            auto f = open_rw(p);
            h5::Group ch(H5Gopen2(f.get(), kChannel.c_str(), H5P_DEFAULT));
            QVERIFY(H5Adelete(ch.get(), "IO_samp_rate_[Hz]") >= 0);
        }
        auto f = h5::open_file(p, h5::Access::read_only);
        CHECK_OK(f);
        auto rate = h5::find_sample_rate(f->get(), kRaw);
        CHECK_OK(rate);
        QVERIFY(rate->has_value());
        QCOMPARE((*rate)->hz, 1e6);
        QVERIFY((*rate)->origin.find("Spectroscopic_Values") != std::string::npos);
    }

    void synthIsDeterministicBySeed() {
        const auto a = dir_ / "a.h5", b = dir_ / "b.h5", c = dir_ / "c.h5";
        CHECK_OK(synth(a, 30, 500, 2e6, 42));
        CHECK_OK(synth(b, 30, 500, 2e6, 42));
        CHECK_OK(synth(c, 30, 500, 2e6, 43));
        const auto xa = read_f32(a, kRaw), xb = read_f32(b, kRaw), xc = read_f32(c, kRaw);
        QCOMPARE(xa.size(), std::size_t{30 * 500});
        QVERIFY(std::memcmp(xa.data(), xb.data(), xa.size() * sizeof(float)) == 0);
        QVERIFY(std::memcmp(xa.data(), xc.data(), xa.size() * sizeof(float)) != 0);
        QCOMPARE(read_bytes(a), read_bytes(b)); // no timestamps: the whole file repeats
        // Realistic scale: unit-order tones plus noise, no constant rows.
        double sum2 = 0;
        for (float v : xa)
            sum2 += double(v) * v;
        const double rms = std::sqrt(sum2 / double(xa.size()));
        QVERIFY2(rms > 0.3 && rms < 3, qPrintable(QString::number(rms)));
    }

    void synthRefusesToOverwriteAndLeavesNothing() {
        const auto before = read_bytes(small_);
        CHECK_ERROR(synth(small_, 4, 8, 1e3), ErrorKind::bad_input, "already exists");
        QCOMPARE(read_bytes(small_), before);
        CHECK_ERROR(synth(dir_ / "no/such/dir/x.h5", 4, 8, 1e3), ErrorKind::bad_input, "does not exist");
        CHECK_ERROR(synth(dir_ / "zero.h5", 0, 8, 1e3), ErrorKind::bad_input, "at least one row");
        for (const auto& e : fs::directory_iterator(dir_.path()))
            QVERIFY2(!e.path().filename().string().starts_with("."),
                     qPrintable(QString::fromStdString(e.path())));
    }

    void goldenInputsAreMain() {
        for (auto [name, rows, points, fs_hz] :
             {std::tuple{"p2048-input.h5", 12, 2048, 2e6}, std::tuple{"p1023-input.h5", 7, 1023, 1e6}}) {
            auto f = h5::open_file(golden(name), h5::Access::read_only);
            CHECK_OK(f);
            auto m = h5::read_main_dataset(f->get(), kRaw);
            CHECK_OK(m);
            QCOMPARE(m->rows, std::uint64_t(rows));
            QCOMPARE(m->points, std::uint64_t(points));
            QCOMPARE(m->sample_rate_hz, std::optional<double>(fs_hz));
            QVERIFY(m->sample_rate_origin.find(kChannel) != std::string::npos);
        }
        // A pycroscopy result file holds three Main datasets.
        auto f = h5::open_file(golden("p2048_lowpass_notch.h5"), h5::Access::read_only);
        CHECK_OK(f);
        const std::string g = kRaw + "-FFT_Filtering_000";
        QCOMPARE(h5::find_main_datasets(f->get()),
                 (std::vector<std::string>{kRaw, g + "/Filtered_Data", g + "/Noise_Floors"}));
        auto floors = h5::read_main_dataset(f->get(), g + "/Noise_Floors");
        CHECK_OK(floors);
        QCOMPARE(floors->points, std::uint64_t{1});
    }

    void rowBlocksEqualWholeRead() {
        const auto p = dir_ / "blocks.h5";
        CHECK_OK(synth(p, 37, 100, 1e5, 3));
        const auto whole = read_f64(p, kRaw);
        auto f = h5::open_file(p, h5::Access::read_only);
        CHECK_OK(f);
        auto d = h5::open_dataset(f->get(), kRaw);
        CHECK_OK(d);
        std::vector<double> got;
        std::vector<double> block(5 * 100);
        for (std::uint64_t first = 0; first < 37; first += 5) {
            const auto count = std::min<std::uint64_t>(5, 37 - first);
            CHECK_OK(h5::read_rows(d->get(), first, count, std::span(block).first(count * 100)));
            got.insert(got.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(count * 100));
        }
        QVERIFY(got == whole);
        CHECK_OK(h5::read_rows(d->get(), 37, 0, std::span<double>())); // empty selection at the end
        CHECK_ERROR(h5::read_rows(d->get(), 35, 5, std::span(block)), ErrorKind::internal, "outside");
    }

    void writesRoundTrip() {
        const auto p = dir_ / "write.h5";
        auto f = h5::create_file(p);
        CHECK_OK(f);
        auto f32 = write_main(f->get(), 6, 4, h5::ValueType::float32, "/f32");
        auto f64 = write_main(f->get(), 6, 4, h5::ValueType::float64, "/f64");
        auto i16 = write_main(f->get(), 6, 4, h5::ValueType::int16, "/i16");
        QVERIFY(f32.valid() && f64.valid() && i16.valid());
        std::vector<double> v(24);
        for (std::size_t i = 0; i < v.size(); ++i)
            v[i] = 0.1 * double(i) - 1.0 / 3.0;
        std::vector<double> ints(24);
        for (std::size_t i = 0; i < ints.size(); ++i)
            ints[i] = double(i) - 12;
        for (std::uint64_t first : {0u, 4u}) {
            const auto count = first == 0 ? 4u : 2u;
            const auto part = std::span<const double>(v).subspan(first * 4, count * 4);
            CHECK_OK(h5::write_rows(f32.get(), first, count, part));
            CHECK_OK(h5::write_rows(f64.get(), first, count, part));
            CHECK_OK(h5::write_rows(i16.get(), first, count,
                                    std::span<const double>(ints).subspan(first * 4, count * 4)));
        }
        CHECK_OK(h5::write_rows(f32.get(), 6, 0, std::span<const double>()));

        // Columns: (P,) uint8 and (P, 1) float32.
        const hsize_t n1[1] = {6}, n2[2] = {6, 1};
        h5::Dataspace s1(H5Screate_simple(1, n1, nullptr)), s2(H5Screate_simple(2, n2, nullptr));
        h5::Dataset flags(
            H5Dcreate2(f->get(), "/flags", H5T_STD_U8LE, s1.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        h5::Dataset floors(
            H5Dcreate2(f->get(), "/floors", H5T_IEEE_F32LE, s2.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        const std::vector<std::uint8_t> ones{1, 1, 1};
        const std::vector<float> fl{0.5f, 1.5f, 2.5f};
        CHECK_OK(h5::write_column_u8(flags.get(), 0, 6, std::vector<std::uint8_t>(6, 0)));
        CHECK_OK(h5::write_column_u8(flags.get(), 2, 3, ones));
        CHECK_OK(h5::write_column_f32(floors.get(), 3, 3, fl));
        std::vector<std::uint8_t> back(6);
        CHECK_OK(h5::read_column_u8(flags.get(), 0, 6, back));
        QCOMPARE(back, (std::vector<std::uint8_t>{0, 0, 1, 1, 1, 0}));
        f32.reset(), f64.reset(), i16.reset(), flags.reset(), floors.reset();
        f->reset();

        const auto r32 = read_f32(p, "/f32/Raw_Data");
        const auto r64 = read_f64(p, "/f64/Raw_Data");
        const auto r16 = read_f64(p, "/i16/Raw_Data");
        for (std::size_t i = 0; i < v.size(); ++i) {
            QCOMPARE(r32[i], static_cast<float>(v[i]));
            QCOMPARE(r64[i], v[i]);
            QCOMPARE(r16[i], ints[i]);
        }
        QCOMPARE(read_f32(p, "/floors")[4], 1.5f);
    }

    void attributesHaveExactTypes() {
        const auto p = dir_ / "attrs.h5";
        {
            auto f = h5::create_file(p);
            CHECK_OK(f);
            h5::Group g(H5Gcreate2(f->get(), "/g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
            const hid_t o = g.get();
            CHECK_OK(h5::write_string_attribute(o, "s", "Ünïcode"));
            CHECK_OK(h5::write_double_attribute(o, "d", 2.5));
            CHECK_OK(h5::write_int_attribute(o, "i", -7));
            CHECK_OK(h5::write_int_attribute(o, "i", 7)); // replaces
            CHECK_OK(h5::write_double_array_attribute(o, "da", {1.0, 2.0}));
            CHECK_OK(h5::write_int_array_attribute(o, "ia", {0}));
            CHECK_OK(h5::write_fixed_string_array_attribute(o, "labels", {"arb", "X"}));
            CHECK_OK(h5::write_fixed_string_array_attribute(o, "one", {"Time"}));
            CHECK_OK(h5::write_reference_attribute(o, "ref", f->get(), "/g"));
            CHECK_ERROR(h5::write_reference_attribute(o, "bad", f->get(), "/nope"), ErrorKind::internal,
                        "/nope");

            CHECK_OK(h5::read_string_attribute(o, "one")); // a 1-element 'S' array reads as one string
            QCOMPARE(*h5::read_string_attribute(o, "s"), std::string("Ünïcode"));
            QCOMPARE(*h5::read_string_array_attribute(o, "labels"), (std::vector<std::string>{"arb", "X"}));
            QCOMPARE(*h5::read_double_attribute(o, "i"), 7.0);
            QCOMPARE(*h5::read_int_attribute(o, "i"), std::int64_t{7});
            QCOMPARE(*h5::read_reference_attribute(o, "ref"), std::string("/g"));
            CHECK_ERROR(h5::read_double_attribute(o, "s"), ErrorKind::bad_input,
                        "attribute 's' of /g is str, not a number");
            CHECK_ERROR(h5::read_string_attribute(o, "d"), ErrorKind::bad_input,
                        "attribute 'd' of /g is float64");
            CHECK_ERROR(h5::read_string_attribute(o, "labels"), ErrorKind::bad_input, "holds 2 values");
            CHECK_ERROR(h5::read_reference_attribute(o, "i"), ErrorKind::bad_input,
                        "not an object reference");
            CHECK_ERROR(h5::read_int_attribute(o, "missing"), ErrorKind::bad_input,
                        "attribute 'missing' of /g is missing");
            QVERIFY(!h5::has_attribute(o, "missing"));

            // Copies: within the file as they are; into another file references are re-made by path.
            h5::Group g2(H5Gcreate2(f->get(), "/g2", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
            CHECK_OK(h5::copy_attributes(o, g2.get()));
            auto other = h5::create_file(dir_ / "attrs2.h5");
            CHECK_OK(other);
            h5::Group g3(H5Gcreate2(other->get(), "/g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
            CHECK_OK(h5::copy_attributes(o, g3.get()));
            QCOMPARE(*h5::read_reference_attribute(g3.get(), "ref"), std::string("/g"));
        }
        const auto a = describe_attributes(p, "/g");
        QCOMPARE(a.at("s"), std::string("vlen-str(utf8) scalar 'Ünïcode'"));
        QCOMPARE(a.at("d"), std::string("f64 scalar 2.5"));
        QCOMPARE(a.at("i"), std::string("i64 scalar 7"));
        QCOMPARE(a.at("da"), std::string("f64 [2] 1,2"));
        QCOMPARE(a.at("ia"), std::string("i64 [1] 0"));
        QCOMPARE(a.at("labels"), std::string("S3 [2] 'arb','X'"));
        QCOMPARE(a.at("ref"), std::string("ref scalar /g"));
        QCOMPARE(describe_attributes(p, "/g2"), a);
        QCOMPARE(describe_attributes(dir_ / "attrs2.h5", "/g"), a);
    }

    // ---- broken files: each gives one clear error ----

    void brokenMainDatasets_data() {
        QTest::addColumn<QString>("breakage");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing quantity") << "quantity"
                                          << "is not an h5USID Main dataset: attribute 'quantity' is missing";
        QTest::newRow("missing reference")
            << "Spectroscopic_Values"
            << "is not an h5USID Main dataset: attribute 'Spectroscopic_Values' is missing";
        QTest::newRow("1-D") << "1-D"
                             << "is not an h5USID Main dataset: it has 1 dimension (12,)";
        QTest::newRow("strings") << "strings"
                                 << "is not an h5USID Main dataset: its values are |S8, not numbers";
        QTest::newRow("ancillary shape") << "ancillary"
                                         << "Position_Indices (/other) has shape (5, 2), expected (12, d)";
        QTest::newRow("no labels") << "labels"
                                   << "Spectroscopic_Indices (" + QString::fromStdString(kChannel) +
                                          "/Spectroscopic_Indices) has no 'labels' attribute";
    }
    void brokenMainDatasets() {
        QFETCH(QString, breakage);
        QFETCH(QString, message);
        const auto p = dir_ / ("broken-" + breakage.toStdString() + ".h5");
        fs::copy_file(small_, p);
        {
            auto f = open_rw(p);
            const hid_t file = f.get();
            h5::Dataset raw(H5Dopen2(file, kRaw.c_str(), H5P_DEFAULT));
            if (breakage == "quantity" || breakage == "Spectroscopic_Values") {
                QVERIFY(H5Adelete(raw.get(), breakage.toStdString().c_str()) >= 0);
            } else if (breakage == "1-D") {
                raw.reset();
                replace_with(file, kRaw, H5T_IEEE_F32LE, {12});
            } else if (breakage == "strings") {
                raw.reset();
                h5::Datatype s(H5Tcopy(H5T_C_S1));
                H5Tset_size(s.get(), 8);
                replace_with(file, kRaw, s.get(), {12, 64});
            } else if (breakage == "ancillary") {
                const hsize_t dims[2] = {5, 2};
                h5::Dataspace sp(H5Screate_simple(2, dims, nullptr));
                h5::Dataset other(H5Dcreate2(file, "/other", H5T_STD_U32LE, sp.get(), H5P_DEFAULT,
                                             H5P_DEFAULT, H5P_DEFAULT));
                CHECK_OK(h5::write_reference_attribute(raw.get(), "Position_Indices", file, "/other"));
            } else if (breakage == "labels") {
                h5::Dataset anc(H5Dopen2(file, (kChannel + "/Spectroscopic_Indices").c_str(), H5P_DEFAULT));
                QVERIFY(H5Adelete(anc.get(), "labels") >= 0);
            }
        }
        auto f = h5::open_file(p, h5::Access::read_only);
        CHECK_OK(f);
        auto m = h5::read_main_dataset(f->get(), kRaw);
        CHECK_ERROR(m, ErrorKind::bad_input, message.toStdString());
        QVERIFY2(m.error().message.starts_with(kRaw), m.error().message.c_str());
        QVERIFY(h5::find_main_datasets(f->get()).empty());
    }

    void emptyDatasetIsRefused() {
        const auto p = dir_ / "empty.h5";
        {
            auto f = h5::create_file(p);
            CHECK_OK(f);
            QVERIFY(write_main(f->get(), 0, 16).valid());
        }
        auto f = h5::open_file(p, h5::Access::read_only);
        CHECK_OK(f);
        CHECK_ERROR(h5::read_main_dataset(f->get(), kRaw), ErrorKind::bad_input,
                    kRaw + " is empty (0 rows × 16 points)");
    }

    // pyUSID calls these Main datasets; Sluice lists them as such and says why it cannot filter them.
    void complexAndImageMainsAreListedButNotFilterable() {
        const auto recipe =
            recipe::parse_recipe(R"({"format":"sluice-recipe","version":1,"noise_threshold":0.01})");
        CHECK_OK(recipe);
        const auto complex_file = dir_ / "complex.h5";
        {
            auto f = h5::create_file(complex_file);
            CHECK_OK(f);
            QVERIFY(write_main(f->get(), 12, 64).valid());
            h5::Datatype c(H5Tcreate(H5T_COMPOUND, 16));
            H5Tinsert(c.get(), "r", 0, H5T_IEEE_F64LE);
            H5Tinsert(c.get(), "i", 8, H5T_IEEE_F64LE);
            replace_with(f->get(), kRaw, c.get(), {12, 64});
        }
        auto f = h5::open_file(complex_file, h5::Access::read_only);
        CHECK_OK(f);
        QCOMPARE(h5::find_main_datasets(f->get()), std::vector<std::string>{kRaw});
        auto m = h5::read_main_dataset(f->get(), kRaw);
        CHECK_OK(m);
        QCOMPARE(m->dtype, std::string("complex128"));
        QVERIFY2(m->not_filterable.starts_with("its values are complex (complex128)"),
                 m->not_filterable.c_str());
        CHECK_ERROR(check_filter_request(f->get(), kRaw, *recipe), ErrorKind::bad_input,
                    kRaw + " cannot be filtered: its values are complex");

        const auto image = dir_ / "image.h5";
        {
            auto g = h5::create_file(image);
            CHECK_OK(g);
            QVERIFY(write_main(g->get(), 12, 1).valid());
        }
        auto g = h5::open_file(image, h5::Access::read_only);
        CHECK_OK(g);
        auto im = h5::read_main_dataset(g->get(), kRaw);
        CHECK_OK(im);
        QVERIFY2(im->not_filterable.find("single value (N = 1)") != std::string::npos,
                 im->not_filterable.c_str());
        CHECK_ERROR(check_filter_request(g->get(), kRaw, *recipe), ErrorKind::bad_input, "like an image");
    }

    // A file of a few KB may declare any shape: nothing is allocated from it before a budget check.
    void declaredHugeShapesAreRefusedBeforeAllocating() {
        const auto recipe =
            recipe::parse_recipe(R"({"format":"sluice-recipe","version":1,"noise_threshold":0.01})");
        CHECK_OK(recipe);
        const auto long_rows = dir_ / "long-rows.h5";
        write_declared_main(long_rows, 4, std::uint64_t{1} << 36);
        QVERIFY(fs::file_size(long_rows) < 64 * 1024);
        auto f = h5::open_file(long_rows, h5::Access::read_only);
        CHECK_OK(f);
        auto m = h5::read_main_dataset(f->get(), kRaw);
        CHECK_OK(m);
        QCOMPARE(m->points, std::uint64_t{1} << 36);
        CHECK_ERROR(check_filter_request(f->get(), kRaw, *recipe), ErrorKind::bad_input,
                    "filtering rows of 68 719 476 736 points needs 4 TiB; this machine has");

        // Without a rate attribute the reader probes the spectroscopic values for their spacing: in 64 K
        // blocks, ends first, so the unwritten axis (found by fuzz_h5usid: it once allocated 512 GiB)
        // costs nothing and gives no rate.
        const auto no_rate = dir_ / "long-rows-no-rate.h5";
        write_declared_main(no_rate, 4, std::uint64_t{1} << 36, false);
        auto g = h5::open_file(no_rate, h5::Access::read_only);
        CHECK_OK(g);
        auto nr = h5::read_main_dataset(g->get(), kRaw);
        CHECK_OK(nr);
        QVERIFY(!nr->sample_rate_hz);

        const auto many_rows = dir_ / "many-rows.h5";
        write_declared_main(many_rows, std::uint64_t{1} << 40, 16);
        auto h = h5::open_file(many_rows, h5::Access::read_only);
        CHECK_OK(h);
        auto big = h5::read_main_dataset(h->get(), kRaw);
        CHECK_OK(big);
        QCOMPARE(big->rows, std::uint64_t{1} << 40);
    }

    void budgetMessagesGiveTheNumbers() {
        QCOMPARE(grouped(68719476736ULL), std::string("68 719 476 736"));
        QCOMPARE(human_bytes(512ULL << 30), std::string("512 GiB"));
        QCOMPARE(human_bytes(1536ULL << 10), std::string("1.5 MiB"));
        QCOMPARE(human_bytes(800), std::string("800 bytes"));
        QVERIFY(check_memory("x", 10, 8, 80).has_value());
        CHECK_ERROR(check_memory("a block", 11, 8, 80), ErrorKind::bad_input,
                    "a block needs 88 bytes, more than the 80 bytes allowed");
        CHECK_ERROR(check_memory("anything", ~0ULL, 16), ErrorKind::bad_input,
                    "needs more memory than any computer has");
    }

    void nanRowIsNamed() {
        const auto p = dir_ / "nan.h5";
        fs::copy_file(small_, p);
        {
            auto f = open_rw(p);
            h5::Dataset raw(H5Dopen2(f.get(), kRaw.c_str(), H5P_DEFAULT));
            h5::Dataspace space(H5Dget_space(raw.get()));
            const hsize_t start[2] = {5, 17}, one[2] = {1, 1};
            H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, one, nullptr);
            h5::Dataspace mem(H5Screate_simple(2, one, nullptr));
            const float nan = std::numeric_limits<float>::quiet_NaN();
            QVERIFY(H5Dwrite(raw.get(), H5T_NATIVE_FLOAT, mem.get(), space.get(), H5P_DEFAULT, &nan) >= 0);
        }
        auto f = h5::open_file(p, h5::Access::read_only);
        CHECK_OK(f);
        auto d = h5::open_dataset(f->get(), kRaw);
        CHECK_OK(d);
        std::vector<double> rows(12 * 64);
        CHECK_OK(h5::read_rows(d->get(), 0, 5, rows)); // rows 0..4 are fine
        CHECK_ERROR(h5::read_rows(d->get(), 0, 12, rows), ErrorKind::bad_input,
                    "row 5 of " + kRaw + " contains NaN or Inf");
    }

    void unreadableFilesAreNamed() {
        const auto truncated = dir_ / "truncated.h5";
        fs::copy_file(small_, truncated);
        const auto full = fs::file_size(truncated);
        fs::resize_file(truncated, full / 2);
        CHECK_ERROR(h5::open_file(truncated, h5::Access::read_only), ErrorKind::bad_input,
                    truncated.string() + " is truncated (" + std::to_string(full / 2) + " bytes on disk, " +
                        std::to_string(full) + " expected): the copy or download is incomplete");

        const auto text = dir_ / "notes.h5";
        std::ofstream(text) << "these are my notes, not data\n";
        CHECK_ERROR(h5::open_file(text, h5::Access::read_only), ErrorKind::bad_input,
                    text.string() + " is not an HDF5 file");
        CHECK_ERROR(h5::open_file(dir_ / "absent.h5", h5::Access::read_only), ErrorKind::io,
                    "absent.h5 does not exist");
        CHECK_ERROR(h5::open_file(dir_.path(), h5::Access::read_only), ErrorKind::bad_input,
                    "is a directory");

        auto f = h5::open_file(small_, h5::Access::read_only);
        CHECK_OK(f);
        CHECK_ERROR(h5::open_dataset(f->get(), "/nope/Raw_Data"), ErrorKind::bad_input,
                    "no dataset '/nope/Raw_Data' in " + small_.string());
        CHECK_ERROR(h5::open_dataset(f->get(), kChannel), ErrorKind::bad_input, "is a group, not a dataset");
        CHECK_ERROR(h5::open_group(f->get(), kRaw), ErrorKind::bad_input, "is a dataset, not a group");
        CHECK_ERROR(h5::read_main_dataset(f->get(), kChannel + "/Nope"), ErrorKind::bad_input, "no dataset");
        QVERIFY(h5::path_exists(f->get(), kRaw));
        QVERIFY(!h5::path_exists(f->get(), "/Measurement_000/Nope/Raw_Data"));
        auto d = h5::open_dataset(f->get(), kRaw);
        CHECK_OK(d);
        QCOMPARE(h5::object_path(d->get()), kRaw);
    }
};

QTEST_GUILESS_MAIN(TestH5Usid)
#include "test_h5_usid.moc"
