// sluice-cli engine deploy: build this client's engine ON a cluster, from the source archive shipped with
// the client, against the cluster's own MPI, parallel HDF5 and FFTW (docs/ADMIN.md), then record it in
// the profile. Every value reaches the remote scripts as a positional parameter (quoted by
// wrap_script/shell_quote); the scripts themselves are constant text plus the profile's module and
// environment lines, which script.cpp quotes.
#include "commands.hpp"
#include "jobs/cluster_client.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/script.hpp"
#include "remote/sftp_upload.hpp"
#include "sluice/version.hpp"
#include "terminal.hpp"
#include "util/sha256.hpp"
#include "util/shell_quote.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <system_error>

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

// Where the archive is: $SLUICE_ENGINE_SOURCE, beside the installed client, or this build tree.
Result<fs::path> engine_source_archive() {
    if (const char* env = std::getenv("SLUICE_ENGINE_SOURCE"); env && *env) return fs::path(env);
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = (exe.parent_path() / SLUICE_ENGINE_SOURCE_INSTALLED).lexically_normal();
        if (fs::is_regular_file(installed, ec)) return installed;
    }
    if (fs::is_regular_file(SLUICE_ENGINE_SOURCE_BUILD, ec)) return fs::path(SLUICE_ENGINE_SOURCE_BUILD);
    return fail(ErrorKind::io, fmt::format("the engine's source archive {} is not installed next to "
                                           "sluice-cli (reinstall the sluice package)",
                                           SLUICE_ENGINE_SOURCE_NAME));
}

// $1 prefix or empty, $2 version: the install prefix with ~ and the default resolved on the cluster.
constexpr std::string_view resolve_prefix = R"sh(set -eu
case "$1" in
  '') printf '%s\n' "$HOME/.local/share/sluice/engine/$2" ;;
  '~/'*) printf '%s\n' "$HOME/${1#\~/}" ;;
  /*) printf '%s\n' "$1" ;;
  *) echo "the prefix must be absolute or start with ~/: $1" >&2; exit 2 ;;
esac
)sh";

// $1 engine: its --version, or nothing when it does not start.
constexpr std::string_view installed_version = R"sh(
if [ -x "$1" ]; then "$1" --version 2>/dev/null || true; fi
)sh";

// What the build needs, each with what to load when it is missing. Runs after the module lines.
constexpr std::string_view preflight = R"sh(
need() { echo "$1" >&2; exit 10; }
command -v cmake >/dev/null 2>&1 || need "no cmake on PATH: load a module with CMake 3.25 or newer (--build-module 'load cmake')"
v=$(cmake --version | sed -n '1s/^cmake version //p')
[ "$(printf '%s\n3.25\n' "$v" | sort -V | head -n 1)" = 3.25 ] || need "cmake $v is too old: load CMake 3.25 or newer"
cxx=${CXX:-c++}
command -v "$cxx" >/dev/null 2>&1 || need "no C++ compiler ($cxx): load GCC 12 or newer (--build-module 'load gcc/12')"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
printf '#include <expected>\nint main() { std::expected<int, int> e{0}; return *e; }\n' >"$t/c.cpp"
"$cxx" -std=c++23 -o "$t/c" "$t/c.cpp" >/dev/null 2>&1 ||
  need "$cxx has no C++23 std::expected: load GCC 12 or newer (--build-module 'load gcc/12')"
command -v mpicc >/dev/null 2>&1 || need "no MPI (mpicc not on PATH): load an MPI module, e.g. --module 'load openmpi'"
if command -v h5pcc >/dev/null 2>&1; then :;
elif command -v h5cc >/dev/null 2>&1 && h5cc -showconfig 2>/dev/null | grep -qi 'parallel hdf5: *yes'; then :;
else need "no parallel HDF5 (h5pcc, or an h5cc with Parallel HDF5: yes): load e.g. --module 'load hdf5/parallel'"; fi
command -v pkg-config >/dev/null 2>&1 && pkg-config --exists fftw3 ||
  need "FFTW 3 not found by pkg-config (fftw3.pc): load e.g. --module 'load fftw'"
echo "cmake $v, $("$cxx" --version | head -n 1), $(command -v mpicc)"
)sh";

// $1 build directory (holds source.tar.gz), $2 prefix, $3 parallel jobs. Logs stay in $1 on failure.
constexpr std::string_view build_and_install = R"sh(
cd -- "$1"
rm -rf src build
mkdir src
tar -xzf source.tar.gz -C src
explain() { # the log's last lines, after a first line that says what to load
  for pattern in 'Could NOT find MPI:no MPI found by CMake: load an MPI module' \
                 'parallel (MPI) HDF5:HDF5 is not the parallel build: load a parallel HDF5 module' \
                 'Could NOT find HDF5:no HDF5 found by CMake: load a parallel HDF5 module' \
                 'fftw3:FFTW 3 not found: load an FFTW module' \
                 'Could NOT find OpenSSL:no OpenSSL headers: load an openssl module' \
                 'nlohmann_json:nlohmann-json 3.10+ not found: load a module or set CMAKE_PREFIX_PATH' \
                 'CLI11:CLI11 2.1+ not found: load a module or set CMAKE_PREFIX_PATH' \
                 'fmt:fmt not found: load a module or set CMAKE_PREFIX_PATH'; do
    if grep -qF -- "${pattern%%:*}" "$2"; then echo "${pattern#*:} (log: $1/$2)" >&2; break; fi
  done
  tail -n 15 "$2" >&2
  exit 1
}
cmake -S src -B build -DCMAKE_BUILD_TYPE=Release -DSLUICE_ENGINE_ONLY=ON -DSLUICE_BUILD_TESTS=OFF \
  -DSLUICE_INSTALL_MODULEFILE=ON -DCMAKE_INSTALL_PREFIX="$2" >configure.log 2>&1 || explain "$1" configure.log
cmake --build build -j "$3" >build.log 2>&1 || explain "$1" build.log
cmake --install build >install.log 2>&1 || explain "$1" install.log
"$2/bin/sluice-engine" --version
rm -rf src build
)sh";

Status record_engine(const Context& ctx, const std::string& profile_name, const std::string& engine) {
    auto profiles = jobs::load_profiles(ctx.profiles);
    if (!profiles) return propagate(profiles);
    auto it = std::ranges::find(*profiles, profile_name, &jobs::ClusterProfile::name);
    if (it == profiles->end()) {
        // A site profile: the user's file gets its own copy, which then replaces the site's for this user.
        auto site = jobs::load_site_profiles();
        if (!site) return propagate(site);
        auto from_site = std::ranges::find(*site, profile_name, &jobs::ClusterProfile::name);
        if (from_site == site->end())
            return fail(ErrorKind::io, fmt::format("profile '{}' was removed meanwhile", profile_name));
        profiles->push_back(*from_site);
        it = std::prev(profiles->end());
    }
    it->engine = {jobs::EngineCommand::Kind::path, engine};
    return jobs::save_profiles(ctx.profiles, *profiles);
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

// The deployed engine's first job: a small synthetic file (written here by this computer's engine)
// filtered with 2 ranks through the cluster's scheduler, by the same submit and watch as every job.
int test_job(const Context& ctx, const std::string& profile) {
    const auto local_engine = jobs::find_local_engine();
    if (local_engine.empty()) {
        std::fprintf(ctx.out, "--  no sluice-engine on this computer to write a test file: no test job\n");
        return 0;
    }
    std::string pattern = (fs::temp_directory_path() / "sluice-deploy-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        return report(ctx, {ErrorKind::io, "cannot create a temporary directory"});
    const fs::path dir = pattern;
    struct Remove {
        fs::path dir;
        ~Remove() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } remove{dir};
    const auto input = dir / "deploy-test.h5";
    const auto synth = shell_join({local_engine.string(), "synth", "--output", input.string(), "--rows", "16",
                                   "--points", "1024", "--rate", "1000000", "--seed", "1"}) +
                       " >/dev/null";
    if (std::system(synth.c_str()) != 0 || !fs::exists(input))
        return report(
            ctx, {ErrorKind::io, fmt::format("{} could not write the test file", local_engine.string())});
    std::ofstream(dir / "recipe.json")
        << R"({"format": "sluice-recipe", "version": 1, "noise_threshold": 0.0001, )"
        << R"("filters": [{"type": "low_pass", "cutoff_hz": 100000.0, "roll_off": 0.05}]})" << '\n';
    SubmitArgs args;
    args.input = input;
    args.dataset = "/Measurement_000/Channel_000/Raw_Data";
    args.recipe = dir / "recipe.json";
    args.profile = profile;
    args.output = dir / "deploy-test-filtered.h5";
    args.nodes = 1;
    args.tasks_per_node = 2;
    args.walltime = "00:05:00";
    // The job id is submit's last line of output.
    char* text = nullptr;
    std::size_t size = 0;
    std::FILE* captured = ::open_memstream(&text, &size);
    Context quiet = ctx;
    quiet.out = captured;
    const int submitted = submit(quiet, args);
    std::fclose(captured);
    std::string id = trimmed(std::string(text, size));
    std::free(text);
    if (submitted != 0) return submitted;
    id = id.substr(id.rfind('\n') + 1);
    std::fprintf(ctx.out, "    test job %s: 2 ranks on the deployed engine; watching it...\n", id.c_str());
    std::fflush(ctx.out);
    WatchArgs watching;
    watching.ids = {id};
    watching.max_interval_s = 10;
    watching.max_resubmits = 0;
    if (const int watched = watch(ctx, watching); watched != 0) return watched;
    if (!fs::exists(args.output))
        return report(ctx, {ErrorKind::io, fmt::format("test job {} ended without a result", id)});
    std::fprintf(ctx.out, "ok  test job %s filtered a synthetic file with 2 ranks\n", id.c_str());
    return 0;
}

} // namespace

int engine_deploy(const Context& ctx, const DeployArgs& args) {
    auto profile = find_profile(ctx, args.profile);
    if (!profile) return report(ctx, profile.error());
    if (jobs::is_local(*profile))
        return report(ctx, {ErrorKind::refused, "'local' runs the engine installed on this computer; deploy "
                                                "is for cluster profiles"});
    if (!args.prefix.empty() && !args.prefix.starts_with('/') && !args.prefix.starts_with("~/"))
        return report(ctx, {ErrorKind::bad_input,
                            fmt::format("--prefix must be absolute or start with ~/: {}", args.prefix)});
    auto archive = engine_source_archive();
    if (!archive) return report(ctx, archive.error());
    auto archive_sha = sha256_file(*archive);
    if (!archive_sha) return report(ctx, archive_sha.error());
    const std::string want = fmt::format("sluice-engine {}", version);

    // The build sees what a job sees (the profile's modules and environment), plus the build's own.
    jobs::ClusterProfile build_profile = *profile;
    build_profile.engine = {jobs::EngineCommand::Kind::path, "sluice-engine"};
    build_profile.modules.insert(build_profile.modules.end(), args.build_modules.begin(),
                                 args.build_modules.end());
    const auto environment = jobs::environment_script(build_profile);

    jobs::ClusterClient cluster(*profile, terminal_callbacks());
    auto prefix = cluster.run("resolving the install prefix", resolve_prefix, {args.prefix, version});
    if (!prefix) return report(ctx, prefix.error());
    const auto install = trimmed(prefix->out);
    const auto engine = install + "/bin/sluice-engine";

    auto found = cluster.run("looking for an installed engine",
                             "set -eu\n" + environment + std::string(installed_version), {engine});
    if (!found) return report(ctx, found.error());
    const bool built_now = trimmed(found->out) != want || args.force;
    if (!built_now) {
        std::fprintf(ctx.out, "ok  %s is already at %s: nothing to build\n", want.c_str(), engine.c_str());
    } else {
        if (!found->out.empty())
            std::fprintf(ctx.out, "    %s found at %s: replacing it with %s\n", trimmed(found->out).c_str(),
                         engine.c_str(), version);
        auto tools =
            cluster.run("checking the build tools", "set -eu\n" + environment + std::string(preflight));
        if (!tools) return report(ctx, tools.error());
        std::fprintf(ctx.out, "ok  build tools: %s", tools->out.c_str());

        auto session = cluster.session();
        if (!session) return report(ctx, session.error());
        const auto build_dir = fmt::format("{}/engine-build/{}", jobs::sluice_directory(*profile), version);
        remote::UploadOptions up;
        up.known_sha256 = *archive_sha;
        auto uploaded = remote::upload_file(**session, *archive, build_dir + "/source.tar.gz", up);
        if (!uploaded) return report(ctx, uploaded.error().context("uploading the engine's source"));
        std::fprintf(ctx.out, "ok  source %s %s %s\n", archive->filename().c_str(),
                     uploaded->skipped ? "already in" : "uploaded to", build_dir.c_str());

        std::fprintf(ctx.out, "    building on the login node with %d jobs (at most %d minutes)...\n",
                     args.jobs, args.time_limit_minutes);
        std::fflush(ctx.out);
        auto built = cluster.run(
            "building sluice-engine", "set -eu\n" + environment + std::string(build_and_install),
            {build_dir, install, std::to_string(args.jobs)}, std::chrono::minutes(args.time_limit_minutes));
        // A failure's message is the script's first line of stderr: what to load, and where the log is.
        if (!built) return report(ctx, built.error());
        if (trimmed(built->out) != want)
            return report(ctx, {ErrorKind::io, fmt::format("the engine built at {} says '{}', not '{}'",
                                                           engine, trimmed(built->out), want)});
        std::fprintf(ctx.out, "ok  built and installed %s in %s\n", want.c_str(), install.c_str());
    }

    // The profile's jobs start exactly this engine from now on.
    if (profile->engine.kind != jobs::EngineCommand::Kind::path || profile->engine.value != engine) {
        if (auto st = record_engine(ctx, profile->name, engine); !st) return report(ctx, st.error());
        std::fprintf(ctx.out, "ok  profile '%s' now runs %s\n", profile->name.c_str(), engine.c_str());
    }
    std::fprintf(ctx.out,
                 "ok  module file: %s/share/sluice/modulefiles (module use it to load sluice-engine)\n",
                 install.c_str());
    if (!built_now || args.no_test_job) return 0;
    // submit and watch log in again, as those commands do (a 2FA code each time).
    return test_job(ctx, profile->name);
}

} // namespace sluice::cli
