#pragma once
// Shared set-up for engine tests: synth files, recipes and the standard engine command lines.
#include "common/engine_runner.hpp"

#include <QString>
#include <QStringList>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::test {

inline const QString kRawData = "/Measurement_000/Channel_000/Raw_Data";

inline QString q(const std::filesystem::path& p) {
    return QString::fromStdString(p.string());
}

inline EngineRun synth(const std::filesystem::path& out, int rows, int points, double rate, int seed = 1) {
    return run_engine({"synth", "--output", q(out), "--rows", QString::number(rows), "--points",
                       QString::number(points), "--rate", QString::number(rate, 'f', 0), "--seed",
                       QString::number(seed)});
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
}

/// Low-pass + notch + threshold: every stage of the per-row pipeline is exercised.
inline std::string full_recipe(double cutoff_hz = 300000.0) {
    return R"({"format":"sluice-recipe","version":1,"filters":[{"type":"low_pass","cutoff_hz":)" +
           std::to_string(cutoff_hz) +
           R"(,"roll_off":0.05},{"type":"noise_band","freqs_hz":[120000.0],"widths_hz":[8000.0]}],"noise_threshold":0.0001})";
}

inline QStringList filter_args(const std::filesystem::path& in, const std::filesystem::path& recipe,
                               const std::filesystem::path& out, int block_rows = 32) {
    return {"filter",
            "--input",
            q(in),
            "--dataset",
            kRawData,
            "--recipe",
            q(recipe),
            "--output",
            q(out),
            "--block-rows",
            QString::number(block_rows),
            "--quiet"};
}

} // namespace sluice::test
