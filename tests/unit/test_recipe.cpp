// shared/recipe: golden recipes parse to the expected values, JSON round trips, the canonical form and
// hash are stable, every stage-1 refusal has a precise message, and stage 2 refuses what pycroscopy
// would raise on or silently wrap.
#include "common/h5_fixtures.hpp"
#include "recipe/recipe.hpp"
#include "recipe/recipe_text.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

using namespace sluice;
using sluice::recipe::canonical_json;
using sluice::recipe::dataset_problems;
using sluice::recipe::FilterRecipe;
using sluice::recipe::frequency_text;
using sluice::recipe::load_recipe;
using sluice::recipe::parse_recipe;
using sluice::recipe::recipe_hash;
using sluice::recipe::recipe_problems;
using sluice::recipe::recipe_summary;
using sluice::recipe::resolve_sample_rate;
using sluice::recipe::to_json;
using sluice::recipe::validate_for_dataset;
using sluice::signal::BandPass;
using sluice::signal::filter_type_name;
using sluice::signal::FilterSpec;
using sluice::signal::HarmonicPass;
using sluice::signal::LowPass;
using sluice::signal::NoiseBand;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A minimal valid header around the given recipe body.
QString with_body(const QString& body) {
    return QStringLiteral(R"({"format": "sluice-recipe", "version": 1, %1})").arg(body);
}
QString with_filters(const QString& filters) {
    return with_body(QStringLiteral(R"("filters": [%1])").arg(filters));
}
Result<FilterRecipe> parse(const QString& json) {
    return parse_recipe(json.toStdString());
}

// The error message of a result that must have failed with bad_input ("" and a test failure otherwise).
template <class T>
QString refusal(const Result<T>& r) {
    if (r.has_value()) return {};
    return r.error().kind == ErrorKind::bad_input ? q(r.error().message) : QStringLiteral("<wrong kind>");
}

FilterRecipe recipe_of(std::vector<FilterSpec> filters, std::optional<double> fs = {},
                       std::optional<double> threshold = {}) {
    FilterRecipe r;
    r.sample_rate_hz = fs;
    r.filters = std::move(filters);
    r.noise_threshold = threshold;
    return r;
}

} // namespace

Q_DECLARE_METATYPE(sluice::recipe::FilterRecipe)

class TestRecipe : public QObject {
    Q_OBJECT
private slots:
    void goldenRecipesParseToTheirValues_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<FilterRecipe>("expected");
        QTest::newRow("harmonic") << "p2048_harmonic.recipe.json"
                                  << recipe_of({HarmonicPass{20000.0, 4000.0, 3}}, 2e6);
        QTest::newRow("lowpass+notch")
            << "p2048_lowpass_notch.recipe.json"
            << recipe_of({LowPass{400000.0, 0.05}, NoiseBand{{250000.0}, {10000.0}}}, 2e6, 1e-4);
        QTest::newRow("bandpass") << "p1023_bandpass.recipe.json"
                                  << recipe_of({BandPass{90000.0, 20000.0}, LowPass{300000.0, 0.1}}, 1e6,
                                               1e-3);
        QTest::newRow("threshold only") << "p1023_threshold_only.recipe.json" << recipe_of({}, 1e6, 0.01);
    }
    void goldenRecipesParseToTheirValues() {
        QFETCH(QString, file);
        QFETCH(FilterRecipe, expected);
        const auto path = test::golden(file.toStdString());
        auto r = load_recipe(path);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QVERIFY(*r == expected);
        // Our own writer reproduces the checked-in file byte for byte.
        QCOMPARE(q(to_json(*r)), q(read_text(path)));
    }

    void roundTrip_data() {
        QTest::addColumn<FilterRecipe>("recipe");
        QTest::newRow("low_pass") << recipe_of({LowPass{500000.0, 0.05}}, 4e6);
        QTest::newRow("low_pass no roll-off") << recipe_of({LowPass{123456.789, 0.0}});
        QTest::newRow("noise_band") << recipe_of({NoiseBand{{1.2e6, 60.0, 0.0}, {20000.0, 0.5, 0.0}}}, 4e6,
                                                 1e-4);
        QTest::newRow("harmonic_pass") << recipe_of({HarmonicPass{50000.0, 10000.0, 6}}, 4e6);
        QTest::newRow("band_pass") << recipe_of({BandPass{150000.0, 40000.0}}, {}, 0.5);
        QTest::newRow("all four") << recipe_of({LowPass{500000.0, 0.05}, NoiseBand{{1.2e6}, {2e4}},
                                                HarmonicPass{5e4, 1e4, 6}, BandPass{1.5e5, 4e4}},
                                               4e6, 1e-4);
        QTest::newRow("several low_pass")
            << recipe_of({LowPass{4e5, 0.05}, LowPass{3e5, 0.2}, LowPass{1e5, 0}});
        QTest::newRow("several noise_band")
            << recipe_of({NoiseBand{{1e5}, {1e3}}, NoiseBand{{2e5, 3e5}, {1e3, 2e3}}});
        QTest::newRow("threshold only") << recipe_of({}, {}, 0.01);
        QTest::newRow("threshold only with rate") << recipe_of({}, 1e6, 1e-9);
        QTest::newRow("awkward doubles") << recipe_of({BandPass{0.1 + 0.2, 1.0 / 3.0}}, 1.0 / 7.0, 0.1 + 0.2);
    }
    void roundTrip() {
        QFETCH(FilterRecipe, recipe);
        auto back = parse_recipe(to_json(recipe));
        QVERIFY2(back.has_value(), back ? "" : back.error().message.c_str());
        QVERIFY(*back == recipe);
        auto from_canonical = parse_recipe(canonical_json(recipe));
        QVERIFY(from_canonical.has_value());
        QVERIFY(*from_canonical == recipe);
        QCOMPARE(q(canonical_json(*back)), q(canonical_json(recipe)));
    }

    void toJsonIsPrettyAndOrdered() {
        const auto text = to_json(recipe_of({HarmonicPass{5e4, 1e4, 6}}, 4e6, 1e-4));
        QCOMPARE(q(text), QStringLiteral(R"({
  "format": "sluice-recipe",
  "version": 1,
  "sample_rate_hz": 4000000.0,
  "filters": [
    {
      "type": "harmonic_pass",
      "first_hz": 50000.0,
      "band_width_hz": 10000.0,
      "num_harmonics": 6
    }
  ],
  "noise_threshold": 0.0001
}
)"));
        // Absent optional parts are left out rather than written as null.
        const auto bare = q(to_json(recipe_of({BandPass{1e5, 1e3}})));
        QVERIFY(!bare.contains("sample_rate_hz"));
        QVERIFY(!bare.contains("noise_threshold"));
        QVERIFY(!q(to_json(recipe_of({}, {}, 0.5))).contains("filters"));
    }

    void typeNamesAgreeWithTheSignalModule() {
        for (const FilterSpec& f : std::vector<FilterSpec>{LowPass{1, 0}, NoiseBand{{1}, {1}},
                                                           HarmonicPass{1, 1, 1}, BandPass{1, 1}}) {
            const auto text = q(to_json(recipe_of({f})));
            QVERIFY2(
                text.contains(QStringLiteral("\"type\": \"%1\"").arg(q(std::string(filter_type_name(f))))),
                qPrintable(text));
        }
    }

    void canonicalFormIsPinned() {
        auto r = load_recipe(test::golden("p2048_harmonic.recipe.json"));
        QVERIFY(r.has_value());
        // Resume checks compare hashes across versions: this string must not change silently.
        const std::string expected =
            R"({"filters":[{"band_width_hz":4000.0,"first_hz":20000.0,"num_harmonics":3,)"
            R"("type":"harmonic_pass"}],"format":"sluice-recipe","sample_rate_hz":2000000.0,)"
            R"("version":1})";
        QCOMPARE(q(canonical_json(*r)), q(expected));
        QCOMPARE(q(recipe_hash(*r)), q(sha256_hex(expected)));
        QCOMPARE(recipe_hash(*r).size(), std::size_t{64});
    }

    void canonicalIgnoresSpellingOfTheSameRecipe() {
        const auto a = parse_recipe(R"({"format":"sluice-recipe","version":1,"sample_rate_hz":2000000.0,
            "filters":[{"type":"low_pass","cutoff_hz":400000.0,"roll_off":0.05},
                       {"type":"noise_band","freqs_hz":[250000.0],"widths_hz":[10000.0]}],
            "noise_threshold":0.0001})");
        // Other key order, whitespace, integers for whole numbers, default roll_off left out, 1e-4 notation.
        const auto b = parse_recipe(R"(
          {
            "noise_threshold" : 1e-4,
            "filters" : [ { "cutoff_hz" : 400000, "type" : "low_pass" },
                          { "widths_hz" : [ 1e4 ], "freqs_hz" : [ 250000 ], "type" : "noise_band" } ],
            "version" : 1, "sample_rate_hz" : 2e6, "format" : "sluice-recipe"
          })");
        QVERIFY(a.has_value());
        QVERIFY2(b.has_value(), b ? "" : b.error().message.c_str());
        QVERIFY(*a == *b);
        QCOMPARE(q(canonical_json(*a)), q(canonical_json(*b)));
        QCOMPARE(q(recipe_hash(*a)), q(recipe_hash(*b)));
        // -0 and 0 are the same width, so they are one recipe.
        const auto zero = parse(with_filters(R"({"type":"band_pass","center_hz":1e5,"width_hz":0})"));
        const auto minus_zero =
            parse(with_filters(R"({"type":"band_pass","center_hz":1e5,"width_hz":-0.0})"));
        QVERIFY(zero.has_value() && minus_zero.has_value());
        QCOMPARE(q(canonical_json(*zero)), q(canonical_json(*minus_zero)));
    }

    void canonicalDiffersForDifferentRecipes() {
        const std::vector<FilterRecipe> recipes = {
            recipe_of({LowPass{4e5, 0.05}}),
            recipe_of({LowPass{4e5, 0.05}}, 2e6),
            recipe_of({LowPass{4e5, 0.05}}, 2e6, 1e-4),
            recipe_of({LowPass{4e5, 0.06}}),
            recipe_of({LowPass{4e5 + 1e-9, 0.05}}),
            recipe_of({LowPass{4e5, 0.05}, LowPass{4e5, 0.05}}),
            recipe_of({BandPass{4e5, 0.05}}),
            recipe_of({NoiseBand{{1e5, 2e5}, {1e3, 2e3}}}),
            recipe_of({NoiseBand{{2e5, 1e5}, {2e3, 1e3}}}), // same bands, other order: another recipe
            recipe_of({HarmonicPass{1e4, 1e3, 3}}),
            recipe_of({HarmonicPass{1e4, 1e3, 4}}),
            recipe_of({LowPass{4e5, 0.05}, BandPass{1e5, 1e3}}),
            recipe_of({BandPass{1e5, 1e3}, LowPass{4e5, 0.05}}),
        };
        QSet<QString> hashes;
        for (const auto& r : recipes) {
            QCOMPARE(recipe_hash(r), recipe_hash(r)); // stable
            hashes.insert(q(recipe_hash(r)));
        }
        QCOMPARE(hashes.size(), static_cast<qsizetype>(recipes.size()));
    }

    void acceptsEdgeValues() {
        auto r = parse(with_body(R"("filters": [
            {"type": "noise_band", "freqs_hz": [0, 1e5], "widths_hz": [0, 0]},
            {"type": "low_pass", "cutoff_hz": 1, "roll_off": 0},
            {"type": "harmonic_pass", "first_hz": 1e4, "band_width_hz": 0, "num_harmonics": 3.0}],
            "noise_threshold": null)"));
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QVERIFY(!r->noise_threshold.has_value());
        QCOMPARE(std::get<HarmonicPass>(r->filters[2]).num_harmonics, std::int64_t{3});
        QCOMPARE(std::get<LowPass>(r->filters[1]).roll_off, 0.0);
    }

    void stage1Refusals_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QStringList>("parts");
        const QString lp = R"({"type":"low_pass","cutoff_hz":1e5})";
        auto row = [](const char* name, const QString& json, const QStringList& parts) {
            QTest::newRow(name) << json << parts;
        };
        row("not JSON", "{\"format\": \"sluice-recipe\",\n  \"version\": 1,,}",
            {"invalid JSON", "line 2, column"});
        row("number overflow", with_body(R"("noise_threshold": 1e400)"), {"invalid JSON", "1e400"});
        row("duplicate key", with_filters(R"({"type":"low_pass","cutoff_hz":1e5,"cutoff_hz":2e5})"),
            {"duplicate key 'cutoff_hz'"});
        row("array root", "[1, 2]", {"a recipe must be a JSON object, got array"});
        row("no format", R"({"version": 1, "noise_threshold": 0.1})",
            {"not a Sluice recipe", "sluice-recipe"});
        row("other format", R"({"format": "pycroscopy", "version": 1, "noise_threshold": 0.1})",
            {"not a Sluice recipe", "\"pycroscopy\"", "expected \"sluice-recipe\""});
        row("no version", R"({"format": "sluice-recipe", "noise_threshold": 0.1})",
            {"\"version\" is missing"});
        row("version 2", R"({"format": "sluice-recipe", "version": 2, "noise_threshold": 0.1})",
            {"unsupported recipe version 2", "version 1"});
        row("version string", R"({"format": "sluice-recipe", "version": "1", "noise_threshold": 0.1})",
            {"\"version\" must be a number, got string"});
        row("unknown top key", with_body(R"("noise_threshold": 0.1, "filter": [])"),
            {"recipe: unknown key 'filter'", "(expected one of: format, version, sample_rate_hz, filters, "
                                             "noise_threshold)"});
        row("unknown filter key", with_filters(lp + R"(, {"type":"low_pass","cutoff":1e5})"),
            {"filters[1] (low_pass): unknown key 'cutoff' (expected one of: type, cutoff_hz, roll_off)"});
        row("unknown type", with_filters(R"({"type":"lowpass","cutoff_hz":1e5})"),
            {"filters[0]: unknown type 'lowpass'", "low_pass, noise_band, harmonic_pass, band_pass"});
        row("missing type", with_filters(R"({"cutoff_hz":1e5})"),
            {"filters[0]: missing key 'type'", "low_pass"});
        row("type not string", with_filters(R"({"type":1})"),
            {"filters[0].type must be a string, got number"});
        row("filter not object", with_filters(lp + ", 5"), {"filters[1] must be an object, got number"});
        row("filters not array", with_body(R"("filters": {"type":"low_pass"})"),
            {"filters must be an array", "got object"});
        row("filters null", with_body(R"("filters": null, "noise_threshold": 0.1)"),
            {"filters must be an array"});
        row("empty filters", with_body(R"("filters": [], "noise_threshold": 0.1)"),
            {"no filters: omit the key"});
        row("neither", with_body(R"("sample_rate_hz": 1e6)"), {"neither filters nor a noise_threshold"});
        row("neither, null threshold", with_body(R"("noise_threshold": null)"),
            {"neither filters nor a noise_threshold"});
        row("cutoff string", with_filters(R"({"type":"low_pass","cutoff_hz":"5e5"})"),
            {"filters[0] (low_pass).cutoff_hz must be a number, got string"});
        row("cutoff missing", with_filters(R"({"type":"low_pass","roll_off":0.1})"),
            {"filters[0] (low_pass): missing key 'cutoff_hz'"});
        row("cutoff zero", with_filters(R"({"type":"low_pass","cutoff_hz":0})"),
            {"filters[0] (low_pass).cutoff_hz = 0 must be > 0"});
        row("roll_off negative", with_filters(R"({"type":"low_pass","cutoff_hz":1e5,"roll_off":-0.1})"),
            {"filters[0] (low_pass).roll_off = -0.1 must be >= 0"});
        row("roll_off bool", with_filters(R"({"type":"low_pass","cutoff_hz":1e5,"roll_off":true})"),
            {"filters[0] (low_pass).roll_off must be a number, got boolean"});
        row("center zero", with_filters(lp + R"(, {"type":"band_pass","center_hz":0,"width_hz":1e3})"),
            {"filters[1] (band_pass).center_hz = 0 must be > 0"});
        row("band_pass width negative",
            with_filters(lp + R"(, {"type":"band_pass","center_hz":1e5,"width_hz":-1})"),
            {"filters[1] (band_pass).width_hz = -1 must be >= 0"});
        row("band_pass width missing", with_filters(R"({"type":"band_pass","center_hz":1e5})"),
            {"filters[0] (band_pass): missing key 'width_hz'"});
        row("first_hz negative",
            with_filters(R"({"type":"harmonic_pass","first_hz":-2e4,"band_width_hz":4e3,"num_harmonics":3})"),
            {"filters[0] (harmonic_pass).first_hz = -20000 must be > 0"});
        row("harmonic width negative",
            with_filters(R"({"type":"harmonic_pass","first_hz":2e4,"band_width_hz":-4e3,"num_harmonics":3})"),
            {"filters[0] (harmonic_pass).band_width_hz = -4000 must be >= 0"});
        row("harmonics zero",
            with_filters(R"({"type":"harmonic_pass","first_hz":2e4,"band_width_hz":4e3,"num_harmonics":0})"),
            {"filters[0] (harmonic_pass).num_harmonics = 0 must be >= 1"});
        row("harmonics fractional",
            with_filters(
                R"({"type":"harmonic_pass","first_hz":2e4,"band_width_hz":4e3,"num_harmonics":2.5})"),
            {"filters[0] (harmonic_pass).num_harmonics must be a whole number, got 2.5"});
        row("harmonics string",
            with_filters(
                R"({"type":"harmonic_pass","first_hz":2e4,"band_width_hz":4e3,"num_harmonics":"3"})"),
            {"filters[0] (harmonic_pass).num_harmonics must be a number, got string"});
        row("harmonics missing",
            with_filters(R"({"type":"harmonic_pass","first_hz":2e4,"band_width_hz":4e3})"),
            {"filters[0] (harmonic_pass): missing key 'num_harmonics'"});
        row("noise width negative",
            with_filters(R"({"type":"noise_band","freqs_hz":[1e5,2e5],"widths_hz":[1e3,-5]})"),
            {"filters[0] (noise_band).widths_hz[1] = -5 must be >= 0"});
        row("noise freq negative",
            with_filters(R"({"type":"noise_band","freqs_hz":[-1e5],"widths_hz":[1e3]})"),
            {"filters[0] (noise_band).freqs_hz[0] = -100000 must be >= 0"});
        row("noise freq string",
            with_filters(R"({"type":"noise_band","freqs_hz":["1e5"],"widths_hz":[1e3]})"),
            {"filters[0] (noise_band).freqs_hz[0] must be a number, got string"});
        row("noise freqs empty", with_filters(R"({"type":"noise_band","freqs_hz":[],"widths_hz":[]})"),
            {"filters[0] (noise_band).freqs_hz must not be empty"});
        row("noise widths scalar", with_filters(R"({"type":"noise_band","freqs_hz":[1e5],"widths_hz":1e3})"),
            {"filters[0] (noise_band).widths_hz must be an array of numbers, got number"});
        row("noise lengths differ",
            with_filters(R"({"type":"noise_band","freqs_hz":[1e5,2e5],"widths_hz":[1e3]})"),
            {"filters[0] (noise_band): freqs_hz has 2 values but widths_hz has 1"});
        row("noise widths missing", with_filters(R"({"type":"noise_band","freqs_hz":[1e5]})"),
            {"filters[0] (noise_band): missing key 'widths_hz'"});
        row("rate zero", with_body(R"("sample_rate_hz": 0, "noise_threshold": 0.1)"),
            {"sample_rate_hz = 0 must be > 0"});
        row("rate negative", with_body(R"("sample_rate_hz": -1e6, "noise_threshold": 0.1)"),
            {"sample_rate_hz = -1000000 must be > 0"});
        row("rate string", with_body(R"("sample_rate_hz": "2e6", "noise_threshold": 0.1)"),
            {"sample_rate_hz must be a number, got string"});
        row("threshold zero", with_body(R"("noise_threshold": 0)"),
            {"noise_threshold = 0 must be strictly between 0 and 1"});
        row("threshold one", with_body(R"("noise_threshold": 1)"),
            {"noise_threshold = 1 must be strictly between 0 and 1"});
        row("threshold above", with_body(R"("noise_threshold": 1.5)"),
            {"noise_threshold = 1.5 must be strictly"});
        row("threshold negative", with_body(R"("noise_threshold": -0.1)"),
            {"noise_threshold = -0.1 must be strictly"});
        row("threshold string", with_body(R"("noise_threshold": "0.1")"),
            {"noise_threshold must be a number, got string"});
    }
    void stage1Refusals() {
        QFETCH(QString, json);
        QFETCH(QStringList, parts);
        const QString message = refusal(parse(json));
        QVERIFY2(!message.isEmpty(), "the recipe was accepted");
        for (const auto& part : parts)
            QVERIFY2(message.contains(part),
                     qPrintable(QStringLiteral("'%1' not in: %2").arg(part, message)));
    }

    void loadRecipeNamesTheFile() {
        test::TempDir dir;
        auto missing = load_recipe(dir / "absent.recipe.json");
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error().kind, ErrorKind::io);
        QVERIFY(q(missing.error().message).contains("absent.recipe.json"));

        std::ofstream(dir / "bad.recipe.json")
            << R"({"format": "sluice-recipe", "version": 1, "filters": []})";
        auto bad = load_recipe(dir / "bad.recipe.json");
        const QString message = refusal(bad);
        QVERIFY(message.startsWith(q((dir / "bad.recipe.json").string() + ": ")));
        QVERIFY(message.contains("no filters: omit the key"));

        const auto r = recipe_of({NoiseBand{{1e5}, {1e3}}}, 1e6, 0.2);
        std::ofstream(dir / "good.recipe.json") << to_json(r);
        auto good = load_recipe(dir / "good.recipe.json");
        QVERIFY(good.has_value());
        QVERIFY(*good == r);
    }

    void resolveSampleRate() {
        const auto with_rate = recipe_of({}, 4e6, 0.1);
        const auto without = recipe_of({}, {}, 0.1);
        QCOMPARE(resolve_sample_rate(with_rate, std::nullopt).value_or(-1), 4e6);
        QCOMPARE(resolve_sample_rate(with_rate, 4e6).value_or(-1), 4e6);
        QCOMPARE(resolve_sample_rate(without, 2e6).value_or(-1), 2e6);
        QCOMPARE(
            refusal(resolve_sample_rate(with_rate, 2e6)),
            QStringLiteral("recipe sample_rate_hz = 4000000 Hz differs from the file's 2000000 Hz: remove "
                           "sample_rate_hz from the recipe or make it match"));
        QVERIFY(refusal(resolve_sample_rate(recipe_of({}, 1000.5, 0.1), 1000.25))
                    .contains("1000.5 Hz differs from the file's 1000.25 Hz"));
        QVERIFY(refusal(resolve_sample_rate(without, std::nullopt)).contains("set sample_rate_hz"));
        QVERIFY(refusal(resolve_sample_rate(without, 0.0)).contains("set sample_rate_hz"));
        // A meaningless file rate does not block a recipe that states its own.
        QCOMPARE(resolve_sample_rate(with_rate, std::nan("")).value_or(-1), 4e6);
    }

    void stage2AcceptsGoldenRecipes_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("n");
        QTest::addColumn<double>("fs");
        QTest::newRow("p2048 harmonic") << "p2048_harmonic.recipe.json" << 2048 << 2e6;
        QTest::newRow("p2048 lowpass+notch") << "p2048_lowpass_notch.recipe.json" << 2048 << 2e6;
        QTest::newRow("p1023 bandpass") << "p1023_bandpass.recipe.json" << 1023 << 1e6;
        QTest::newRow("p1023 threshold only") << "p1023_threshold_only.recipe.json" << 1023 << 1e6;
    }
    void stage2AcceptsGoldenRecipes() {
        QFETCH(QString, file);
        QFETCH(int, n);
        QFETCH(double, fs);
        auto r = load_recipe(test::golden(file.toStdString()));
        QVERIFY(r.has_value());
        QCOMPARE(resolve_sample_rate(*r, fs).value_or(-1), fs);
        auto composite = validate_for_dataset(*r, static_cast<std::size_t>(n), fs);
        QVERIFY2(composite.has_value(), composite ? "" : composite.error().message.c_str());
        QCOMPARE(composite->size(), r->filters.empty() ? std::size_t{0} : static_cast<std::size_t>(n));
        if (!r->filters.empty()) {
            const auto nonzero = std::ranges::count_if(*composite, [](float v) { return v != 0.0f; });
            QVERIFY(nonzero > 0 && nonzero < n); // a real mask: it passes something and stops something
        }
    }

    void stage2Refusals() {
        const auto low = recipe_of({LowPass{3e6, 0.05}});
        QVERIFY(refusal(validate_for_dataset(low, 2048, 4e6))
                    .contains("low_pass.cutoff_hz = 3000000 Hz is at or above Nyquist (2000000 Hz)"));

        // 700 kHz at fs = 1 MHz lies past Nyquist: pycroscopy would wrap the band round the array.
        const auto wrap = recipe_of({LowPass{4e5, 0.05}, NoiseBand{{7e5}, {2e3}}});
        const QString wrapped = refusal(validate_for_dataset(wrap, 1000, 1e6));
        QVERIFY2(wrapped.contains("filters[1] (noise_band)"), qPrintable(wrapped));
        QVERIFY2(wrapped.contains("freqs_hz"), qPrintable(wrapped));

        const auto harmonics = recipe_of({HarmonicPass{4e5, 4e3, 3}}); // third harmonic at 1.2 MHz > 1 MHz
        const QString past = refusal(validate_for_dataset(harmonics, 2048, 2e6));
        QVERIFY2(past.contains("filters[0] (harmonic_pass)"), qPrintable(past));

        QVERIFY(!refusal(validate_for_dataset(recipe_of({LowPass{1e5, 0.05}}), 0, 1e6)).isEmpty());
        // pycroscopy needs a whole-number rate; a threshold-only recipe is checked for it as well.
        QVERIFY(!refusal(validate_for_dataset(recipe_of({LowPass{1e5, 0.05}}), 2048, 4e6 + 0.5)).isEmpty());
        QVERIFY(!refusal(validate_for_dataset(recipe_of({}, {}, 0.1), 2048, 4e6 + 0.5)).isEmpty());
        QVERIFY(validate_for_dataset(recipe_of({}, {}, 0.1), 2048, 4e6).has_value());
    }

    // Stage 1 as data: parse_recipe's error names its field, and recipe_problems lists every problem
    // of a recipe of numbers, the first one in parse_recipe's own words.
    void stage1ProblemsCarryTheirField() {
        auto r = parse(with_filters(R"({"type":"low_pass","cutoff_hz":1e5},
                                       {"type":"noise_band","freqs_hz":[1e3, -2],"widths_hz":[1, 1]})"));
        QVERIFY(!r.has_value());
        QVERIFY(r.error().field.has_value());
        QCOMPARE(*r.error().field, (Field{1, "freqs_hz", 1}));
        r = parse(with_body(R"("sample_rate_hz": -1, "noise_threshold": 0.1)"));
        QCOMPARE(*r.error().field, (Field{{}, "sample_rate_hz", {}}));
        r = parse(with_body(R"("noise_threshold": 2)"));
        QCOMPARE(*r.error().field, (Field{{}, "noise_threshold", {}}));
        r = parse(
            with_filters(R"({"type":"harmonic_pass","first_hz":1e3,"band_width_hz":1,"num_harmonics":0})"));
        QCOMPARE(*r.error().field, (Field{0, "num_harmonics", {}}));

        const auto bad =
            recipe_of({LowPass{-5, 0.05}, BandPass{1e5, -1}, NoiseBand{{1e3, NAN}, {1, 1}}}, -3, 1.5);
        const auto problems = recipe_problems(bad);
        std::vector<Field> fields;
        for (const auto& p : problems) {
            QVERIFY(p.field.has_value());
            QCOMPARE(p.kind, ErrorKind::bad_input);
            fields.push_back(*p.field);
        }
        const std::vector<Field> expected = {{{}, "sample_rate_hz", {}},
                                             {0, "cutoff_hz", {}},
                                             {1, "width_hz", {}},
                                             {2, "freqs_hz", 1},
                                             {{}, "noise_threshold", {}}};
        QCOMPARE(fields, expected);
        // JSON cannot hold NaN, so compare words on a recipe without it.
        const auto jsonable = recipe_of({LowPass{-5, 0.05}, BandPass{1e5, -1}}, {}, 0.1);
        QCOMPARE(q(recipe_problems(jsonable).front().message),
                 q(parse_recipe(to_json(jsonable)).error().message));
        QCOMPARE(q(recipe_problems(jsonable)[1].message),
                 QStringLiteral("filters[1] (band_pass).width_hz = -1 must be >= 0"));
        QVERIFY(recipe_problems(recipe_of({LowPass{1e5, 0.05}})).empty());
        const auto empty = recipe_problems(recipe_of({}));
        QCOMPARE(empty.size(), std::size_t{1});
        QVERIFY(!empty.front().field.has_value());
        QVERIFY(recipe_problems(recipe_of({NoiseBand{{}, {}}})).size() == 2); // both lists are empty
    }

    // Stage 2 as data: every bad filter, not only the first, each with its index and key.
    void stage2ProblemsCarryTheirField() {
        const auto recipe = recipe_of({LowPass{7e5, 0.05}, NoiseBand{{1e3}, {10}}, BandPass{6e5, 1e3}});
        const auto problems = dataset_problems(recipe, 1000, 1e6);
        QCOMPARE(problems.size(), std::size_t{2});
        QCOMPARE(*problems[0].field, (Field{0, "cutoff_hz", {}}));
        QCOMPARE(*problems[1].field, (Field{2, "center_hz", {}}));
        QCOMPARE(q(problems[0].message), refusal(validate_for_dataset(recipe, 1000, 1e6)));
        QVERIFY(q(problems[1].message).startsWith("filters[2] (band_pass): band_pass.center_hz"));
        QVERIFY(dataset_problems(recipe_of({LowPass{1e5, 0.05}}), 1000, 1e6).empty());
        QCOMPARE(*dataset_problems(recipe, 1000, 1e6 + 0.5).front().field, (Field{{}, "sample_rate_hz", {}}));
        const auto other_rate = resolve_sample_rate(recipe_of({}, 2e5, 0.1), 1e6);
        QCOMPARE(*other_rate.error().field, (Field{{}, "sample_rate_hz", {}}));
    }

    void recipesReadAsWords() {
        auto r = parse_recipe(R"({"format":"sluice-recipe","version":1,"filters":[
            {"type":"low_pass","cutoff_hz":400000,"roll_off":0.05},
            {"type":"noise_band","freqs_hz":[250000,1200000],"widths_hz":[10000,20000]},
            {"type":"harmonic_pass","first_hz":20000,"band_width_hz":4000,"num_harmonics":3},
            {"type":"band_pass","center_hz":90000,"width_hz":20000}],"noise_threshold":0.0001})");
        QVERIFY(r.has_value());
        QCOMPARE(recipe_summary(*r),
                 std::string(
                     "low-pass 400 kHz (roll-off 5 %), notch 250 kHz ±5 kHz, 1.2 MHz ±10 kHz, "
                     "3 harmonics of 20 kHz (band 4 kHz), band-pass 90 kHz ±10 kHz, noise threshold 0.0001"));
        QCOMPARE(frequency_text(50), std::string("50 Hz"));
    }
};

QTEST_GUILESS_MAIN(TestRecipe)
#include "test_recipe.moc"
