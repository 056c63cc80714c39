// bench_preview: the GUI's preview recompute for one pixel, timed. The worker half is compute_preview (what
// PreviewService runs off the UI thread); the UI half is PlotPanel::showPreview with both plots replotted
// (offscreen). Prints one JSON object of medians and 90th percentiles in milliseconds.
//   bench_preview SYNTH.h5 [RUNS]
#include "services/preview.hpp"

#include "h5/browse.hpp"
#include "recipe/recipe.hpp"
#include "widgets/plot_panel.hpp"

#include <QApplication>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using namespace sluice;
using Clock = std::chrono::steady_clock;

namespace {

// Three filters and a noise threshold; every band lies within Nyquist for synth files at 4 MHz.
constexpr const char* kRecipe = R"({"format": "sluice-recipe", "version": 1,
  "filters": [{"type": "low_pass", "cutoff_hz": 1000000, "roll_off": 0.05},
              {"type": "noise_band", "freqs_hz": [480000], "widths_hz": [20000]},
              {"type": "harmonic_pass", "first_hz": 200000, "band_width_hz": 40000, "num_harmonics": 4}],
  "noise_threshold": 0.0001})";

double percentile(std::vector<double> v, double p) {
    std::ranges::sort(v);
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_preview SYNTH.h5 [RUNS]\n");
        return 2;
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int runs = argc > 2 ? std::atoi(argv[2]) : 200;

    auto file = h5::BrowseFile::open(argv[1]);
    if (!file) return std::fprintf(stderr, "%s\n", file.error().message.c_str()), 1;
    const std::uint64_t points = 16384;
    auto row = std::make_shared<std::vector<double>>(points);
    if (auto ok = file->read_rows("/Measurement_000/Channel_000/Raw_Data", 0, 1, *row); !ok)
        return std::fprintf(stderr, "%s (the file must have 16384 points a row)\n",
                            ok.error().message.c_str()),
               1;
    auto recipe = recipe::parse_recipe(kRecipe);
    if (!recipe) return std::fprintf(stderr, "%s\n", recipe.error().message.c_str()), 1;

    const gui::PreviewInput input{.row = row, .row_index = 0, .file_rate_hz = 4e6, .recipe = *recipe};
    gui::PlotPanel panel;
    panel.resize(900, 700);
    panel.show();
    QApplication::processEvents();

    std::vector<double> compute, draw, total;
    for (int i = 0; i < runs + 5; ++i) { // the first five warm up FFTW's planner and the caches
        const auto t0 = Clock::now();
        auto result = gui::compute_preview(input);
        const double c = ms_since(t0);
        if (!result) return std::fprintf(stderr, "%s\n", result.error().message.c_str()), 1;
        const auto t1 = Clock::now();
        panel.showPreview(*result, QStringLiteral("pixel 0"));
        const double d = ms_since(t1);
        if (i < 5) continue;
        compute.push_back(c);
        draw.push_back(d);
        total.push_back(c + d);
    }
    std::printf(
        R"({"points": %llu, "runs": %d, "compute_median_ms": %.3f, "compute_p90_ms": %.3f, )"
        R"("draw_median_ms": %.3f, "draw_p90_ms": %.3f, "total_median_ms": %.3f, "total_p90_ms": %.3f})"
        "\n",
        static_cast<unsigned long long>(points), runs, percentile(compute, 0.5), percentile(compute, 0.9),
        percentile(draw, 0.5), percentile(draw, 0.9), percentile(total, 0.5), percentile(total, 0.9));
    return 0;
}
