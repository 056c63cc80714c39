// sluice-engine: thin command-line front over the engine library (DESIGN §5).
#include "commands.hpp"
#include "h5/h5_error.hpp"
#include "run/filter_request.hpp"
#include "sluice/version.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace {

int report(const sluice::Status& st) {
    if (st) return 0;
    // One line first: the reason. Callers (GUI, job scripts) show exactly this line. An empty message
    // means another MPI rank already reported it.
    if (!st.error().message.empty()) std::fprintf(stderr, "sluice-engine: %s\n", st.error().message.c_str());
    return sluice::engine::exit_code_for(st.error());
}

// The first misspelt subcommand or option, as a message; nullopt when every word is known.
std::optional<std::string> find_typo(CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return std::nullopt;
    const std::string command = argv[1];
    CLI::App* sub = nullptr;
    std::string names;
    for (auto* s : app.get_subcommands({})) {
        names += (names.empty() ? "" : ", ") + s->get_name();
        if (s->get_name() == command) sub = s;
    }
    if (!sub) return "unknown command '" + command + "' (expected one of: " + names + ")";
    for (int i = 2; i < argc; ++i) {
        std::string word = argv[i];
        if (word == "--") break;
        if (word.rfind("--", 0) != 0) continue;
        word = word.substr(0, word.find('='));
        if (word != "--help" && !sub->get_option_no_throw(word))
            return "unknown option '" + word + "' for '" + command + "'";
    }
    return std::nullopt;
}

// "FIRST:COUNT" with two decimal numbers.
std::optional<sluice::engine::RowRange> parse_row_range(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
    sluice::engine::RowRange r;
    const auto* begin = text.data();
    const auto* end = text.data() + text.size();
    auto a = std::from_chars(begin, begin + colon, r.first);
    auto b = std::from_chars(begin + colon + 1, end, r.count);
    if (a.ec != std::errc{} || a.ptr != begin + colon || b.ec != std::errc{} || b.ptr != end)
        return std::nullopt;
    return r;
}

} // namespace

int run(int argc, char** argv) {
    using namespace sluice::engine;
    sluice::h5::silence_error_printing();

    CLI::App app{"sluice-engine: FFT filtering of h5USID datasets (pycroscopy SignalFilter compatible),\n"
                 "parallel with MPI, resumable after a stop or a walltime kill."};
    app.require_subcommand(1, 1);
    app.set_version_flag("--version", std::string("sluice-engine ") + sluice::version);

    SynthOptions synth;
    auto* synth_cmd =
        app.add_subcommand("synth", "Write a deterministic synthetic h5USID file for demos and tests");
    synth_cmd->add_option("--output", synth.output, "File to create (must not exist)")->required();
    // Ranges are checked by run_synth, whose messages are clearer than CLI11's.
    synth_cmd->add_option("--rows", synth.rows, "Positions (rows)")->required();
    synth_cmd->add_option("--points", synth.points, "Points per row")->required();
    synth_cmd->add_option("--rate", synth.rate_hz, "Sample rate in Hz")->required();
    synth_cmd->add_option("--seed", synth.seed, "Random seed (same seed, same file)")->default_val(1);

    InspectOptions inspect;
    auto* inspect_cmd =
        app.add_subcommand("inspect", "Show a file's tree, shapes, dtypes, attributes and Main datasets");
    inspect_cmd->add_option("file", inspect.file, "HDF5 file")->required();
    inspect_cmd->add_flag("--json", inspect.json, "Machine-readable output");

    FilterOptions filter;
    std::string out_path;
    bool in_place = false, no_resume = false;
    double time_limit = 0;
    std::string progress_path, source_sha, stats_path;
    auto* filter_cmd =
        app.add_subcommand("filter", "FFT-filter a Main dataset (run under mpirun/srun for parallelism)");
    filter_cmd->add_option("--input", filter.input, "Source HDF5 file")->required();
    filter_cmd->add_option("--dataset", filter.dataset, "Path of the Main dataset in the source")->required();
    filter_cmd->add_option("--recipe", filter.recipe, "Recipe JSON (format sluice-recipe, version 1)")
        ->required();
    auto* out_opt = filter_cmd->add_option("--output", out_path,
                                           "Write a standalone result file (source stays read-only)");
    auto* inplace_opt = filter_cmd->add_flag("--in-place", in_place,
                                             "Write the results group into the source (scratch copies)");
    out_opt->excludes(inplace_opt);
    filter_cmd
        ->add_option("--block-rows", filter.block_rows,
                     "Rows per block: read, filtered and written at once (1 to 1048576)")
        ->default_val(sluice::default_block_rows);
    filter_cmd
        ->add_option(
            "--checkpoint-seconds", filter.checkpoint_seconds,
            "Make results durable and mark them done at least this often (and at a stop and the end); "
            "a kill loses at most this much work")
        ->default_val(10)
        ->check(CLI::PositiveNumber);
    std::string write_mode = "independent", overlap = "on", rows;
    filter_cmd
        ->add_option(
            "--write-mode", write_mode,
            "MPI-IO writes: independent (each rank its own contiguous rows; measured faster on a local "
            "disk) or collective (MPI-IO aggregates; try it on parallel file systems)")
        ->default_val("independent")
        ->check(CLI::IsMember({"independent", "collective"}));
    filter_cmd
        ->add_option("--overlap", overlap,
                     "Read the next block and write the last one on a second thread while computing (on), or "
                     "read, compute and write in turn (off)")
        ->default_val("on")
        ->check(CLI::IsMember({"on", "off"}));
    filter_cmd->add_option("--rows", rows,
                           "Filter only rows FIRST:COUNT (0-based) into a partial, scratch --output "
                           "(for timing a sample)");
    filter_cmd->add_option("--stats", stats_path,
                           "Write where the time went (per rank and in total) as JSON to this file");
    filter_cmd->add_option("--progress", progress_path,
                           "Progress JSON file, replaced atomically about once a second");
    filter_cmd->add_option("--time-limit", time_limit, "Stop cleanly (exit 3) before this many seconds");
    bool resume_flag = false; // the default; accepted so scripts can say it explicitly
    auto* resume_opt =
        filter_cmd->add_flag("--resume", resume_flag, "Continue a matching unfinished result (default)");
    filter_cmd
        ->add_flag("--no-resume", no_resume,
                   "Refuse to touch an existing output; in place, start a new group")
        ->excludes(resume_opt);
    filter_cmd->add_option("--source-sha256", source_sha,
                           "SHA-256 of the source, recorded and checked on resume");
    filter_cmd->add_flag("--quiet", filter.quiet, "No progress line on stderr");

    MergeOptions merge;
    auto* merge_cmd =
        app.add_subcommand("merge", "Atomically copy a result file's group into its source file");
    merge_cmd->add_option("--result", merge.result, "Result file written with --output")->required();
    merge_cmd->add_option("--into", merge.into, "The source file the result was made from")->required();

    // CLI11 reports "a subcommand is required" for a misspelt command and checks required options before
    // unknown ones; name the actual typo first.
    if (auto typo = find_typo(app, argc, argv)) {
        std::fprintf(stderr, "sluice-engine: %s\nRun 'sluice-engine --help' for usage.\n", typo->c_str());
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e); // --help, --version
    } catch (const CLI::ParseError& e) {
        // CLI11 exits >= 100 on parse errors; the contract says 2, with the reason on the first line.
        std::fprintf(stderr, "sluice-engine: %s\nRun 'sluice-engine --help' for usage.\n", e.what());
        return 2;
    }

    if (*synth_cmd) return report(run_synth(synth));
    if (*inspect_cmd) return report(run_inspect(inspect));
    if (*filter_cmd) {
        if (out_path.empty() && !in_place) {
            std::fprintf(stderr, "sluice-engine: filter needs --output FILE or --in-place\n");
            return 2;
        }
        if (!out_path.empty()) filter.output = out_path;
        if (!progress_path.empty()) filter.progress = progress_path;
        if (filter_cmd->count("--time-limit")) {
            if (!(time_limit > 0)) {
                std::fprintf(stderr, "sluice-engine: --time-limit must be a positive number of seconds\n");
                return 2;
            }
            filter.time_limit_s = time_limit;
        }
        if (!source_sha.empty()) filter.source_sha256 = source_sha;
        if (!stats_path.empty()) filter.stats = stats_path;
        filter.write_mode = write_mode == "collective" ? WriteMode::collective : WriteMode::independent;
        filter.overlap = overlap == "on";
        if (!rows.empty()) {
            auto range = parse_row_range(rows);
            if (!range) {
                std::fprintf(stderr, "sluice-engine: --rows %s: expected FIRST:COUNT, e.g. 0:1024\n",
                             rows.c_str());
                return 2;
            }
            filter.rows = *range;
        }
        if (auto st = sluice::check_block_rows(filter.block_rows); !st) return report(st);
        filter.resume = !no_resume;
        return report(run_filter(filter));
    }
    if (*merge_cmd) return report(run_merge(merge));
    return 2;
}

// Errors are values everywhere; anything that still escapes (std::bad_alloc, a library's exception) ends
// the program with its reason on the first line and exit 1, never with an abort and a core dump.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sluice-engine: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "sluice-engine: internal error (unknown exception)\n");
    }
    return 1;
}
