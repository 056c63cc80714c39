#include "jobs/engine_deploy.hpp"

#include "jobs/engine_build_job.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/script.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fmt/format.h>
#include <system_error>

namespace sluice::jobs {
namespace {

namespace fs = std::filesystem;

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

} // namespace

Status check_deploy_options(const DeployOptions& options) {
    if (!options.prefix.empty() && !options.prefix.starts_with('/') && !options.prefix.starts_with("~/"))
        return fail(ErrorKind::bad_input,
                    fmt::format("--prefix must be absolute or start with ~/: {}", options.prefix));
    return {};
}

Result<fs::path> engine_source_archive() {
    if (const char* env = std::getenv("SLUICE_ENGINE_SOURCE"); env && *env) return fs::path(env);
#ifdef SLUICE_ENGINE_SOURCE_NAME
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = (exe.parent_path() / SLUICE_ENGINE_SOURCE_INSTALLED).lexically_normal();
        if (fs::is_regular_file(installed, ec)) return installed;
    }
    if (fs::is_regular_file(SLUICE_ENGINE_SOURCE_BUILD, ec)) return fs::path(SLUICE_ENGINE_SOURCE_BUILD);
    return fail(ErrorKind::io, fmt::format("the engine's source archive {} is not installed next to "
                                           "this program (reinstall the sluice package)",
                                           SLUICE_ENGINE_SOURCE_NAME));
#else
    return fail(ErrorKind::io, "this build has no engine source archive: set SLUICE_ENGINE_SOURCE");
#endif
}

Result<DeployResult> deploy_engine(ClusterClient& cluster, const fs::path& archive, std::string_view version,
                                   const DeployOptions& options,
                                   const std::function<void(const CheckLine&)>& on_line,
                                   std::stop_token cancel) {
    const auto say = [&](CheckLine::Level level, std::string text) {
        if (on_line) on_line({level, std::move(text)});
    };
    const auto cancelled = [&]() -> Result<DeployResult> {
        return fail(ErrorKind::cancelled, "the deploy was cancelled");
    };
    const auto& profile = cluster.profile();
    if (is_local(profile))
        return fail(ErrorKind::refused,
                    "'local' runs the engine installed on this computer; deploy is for cluster profiles");
    if (auto st = check_deploy_options(options); !st) return propagate(st);
    auto archive_sha = sha256_file(archive);
    if (!archive_sha) return propagate(archive_sha);
    const std::string want = fmt::format("sluice-engine {}", version);
    const auto minutes = [](int m) { return std::chrono::milliseconds(std::chrono::minutes(m)); };

    // The build sees what a job sees (the profile's modules, environment and prologue), plus its own.
    ClusterProfile build_profile = profile;
    build_profile.engine = {EngineCommand::Kind::path, "sluice-engine"};
    build_profile.modules.insert(build_profile.modules.end(), options.build_modules.begin(),
                                 options.build_modules.end());
    const auto environment = environment_script(build_profile);

    auto prefix = cluster.run("resolving the install prefix", resolve_prefix,
                              {options.prefix, std::string(version)}, minutes(2), cancel);
    if (cancel.stop_requested()) return cancelled();
    if (!prefix) return propagate(prefix);
    DeployResult result;
    result.install = trim(prefix->out);
    result.engine = result.install + "/bin/sluice-engine";

    auto found = cluster.run("looking for an installed engine",
                             "set -eu\n" + environment + std::string(installed_version), {result.engine},
                             minutes(2), cancel);
    if (cancel.stop_requested()) return cancelled();
    if (!found) return propagate(found);
    if (trim(found->out) == want && !options.force) {
        say(CheckLine::Level::ok, fmt::format("{} is already at {}: nothing to build", want, result.engine));
        return result;
    }
    if (!found->out.empty())
        say(CheckLine::Level::detail,
            fmt::format("{} found at {}: replacing it with {}", trim(found->out), result.engine, version));
    auto tools = cluster.run("checking the build tools", "set -eu\n" + environment + std::string(preflight),
                             {}, minutes(2), cancel);
    if (cancel.stop_requested()) return cancelled();
    if (!tools) return propagate(tools);
    say(CheckLine::Level::ok, fmt::format("build tools: {}", trim(tools->out)));

    auto session = cluster.session();
    if (!session) return propagate(session);
    const auto build_dir = fmt::format("{}/engine-build/{}", sluice_directory(profile), version);
    remote::UploadOptions up;
    up.known_sha256 = *archive_sha;
    up.cancel = cancel;
    auto uploaded = remote::upload_file(**session, archive, build_dir + "/source.tar.gz", up);
    if (cancel.stop_requested()) return cancelled();
    if (!uploaded) return std::unexpected(uploaded.error().context("uploading the engine's source"));
    say(CheckLine::Level::ok, fmt::format("source {} {} {}", archive.filename().string(),
                                          uploaded->skipped ? "already in" : "uploaded to", build_dir));

    const bool in_job = options.in_job.value_or(profile.deploy_in_job);
    Result<std::string> built = std::string();
    if (in_job) {
        BuildJob job;
        job.job_id = "engine-build-" + std::string(version);
        std::ranges::replace_if(
            job.job_id, [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '-'; }, '_');
        job.script = build_and_install;
        job.args = {build_dir, result.install, std::to_string(options.jobs)};
        job.cpus = options.jobs;
        job.minutes = options.time_limit_minutes;
        job.poll_interval = options.poll_interval;
        built = run_build_job(cluster, build_profile, job, on_line, cancel);
    } else {
        say(CheckLine::Level::detail,
            fmt::format("building on the login node with {} jobs (at most {} minutes)...", options.jobs,
                        options.time_limit_minutes));
        auto ran =
            cluster.run("building sluice-engine", "set -eu\n" + environment + std::string(build_and_install),
                        {build_dir, result.install, std::to_string(options.jobs)},
                        minutes(options.time_limit_minutes), cancel);
        if (ran)
            built = std::move(ran->out);
        else
            built = std::unexpected(ran.error());
    }
    if (cancel.stop_requested()) return cancelled();
    // A failure's message is the script's first line of stderr: what to load, and where the log is.
    if (!built) return propagate(built);
    if (trim(*built) != want)
        return fail(ErrorKind::io, fmt::format("the engine built at {} says '{}', not '{}'", result.engine,
                                               trim(*built), want));
    say(CheckLine::Level::ok, fmt::format("built and installed {} in {}", want, result.install));
    result.built = true;
    return result;
}

Status record_deployed_engine(const fs::path& profiles_file, const std::string& profile_name,
                              const std::string& engine) {
    auto profiles = load_profiles(profiles_file);
    if (!profiles) return propagate(profiles);
    auto it = std::ranges::find(*profiles, profile_name, &ClusterProfile::name);
    if (it == profiles->end()) {
        // A site profile: the user's file gets its own copy, which then replaces the site's for this user.
        auto site = load_site_profiles();
        if (!site) return propagate(site);
        auto from_site = std::ranges::find(*site, profile_name, &ClusterProfile::name);
        if (from_site == site->end())
            return fail(ErrorKind::io, fmt::format("profile '{}' was removed meanwhile", profile_name));
        profiles->push_back(*from_site);
        it = std::prev(profiles->end());
    }
    it->engine = {EngineCommand::Kind::path, engine};
    return save_profiles(profiles_file, *profiles);
}

} // namespace sluice::jobs
