#include "jobs/deploy_test.hpp"

#include "jobs/local_profile.hpp"
#include "util/shell_quote.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <system_error>

namespace sluice::jobs {

namespace fs = std::filesystem;

Result<NewJob> write_deploy_test(const fs::path& dir, const ClusterProfile& profile) {
    const auto engine = find_local_engine();
    if (engine.empty())
        return fail(ErrorKind::io, "no sluice-engine on this computer to write the test job's file");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    const auto input = dir / "deploy-test.h5";
    // shell_join quotes every argument (the one audited quoting function).
    const auto synth = shell_join({engine.string(), "synth", "--output", input.string(), "--rows", "16",
                                   "--points", "1024", "--rate", "1000000", "--seed", "1"}) +
                       " >/dev/null 2>&1";
    if (std::system(synth.c_str()) != 0 || !fs::exists(input))
        return fail(ErrorKind::io,
                    fmt::format("{} could not write the test file {}", engine.string(), input.string()));
    NewJob job;
    job.profile = profile.name;
    job.input = input;
    job.dataset = "/Measurement_000/Channel_000/Raw_Data";
    job.recipe_json = R"({"format": "sluice-recipe", "version": 1, "noise_threshold": 0.0001, )"
                      R"("filters": [{"type": "low_pass", "cutoff_hz": 100000.0, "roll_off": 0.05}]})";
    job.output_dir = dir;
    Resources resources = profile.resources;
    resources.nodes = 1;
    resources.tasks_per_node = 2;
    resources.walltime = "00:05:00";
    job.resources = resources;
    return job;
}

} // namespace sluice::jobs
