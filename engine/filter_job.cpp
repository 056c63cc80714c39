#include "filter_job.hpp"

#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/result_group.hpp"
#include "h5/usid.hpp"
#include "recipe/recipe.hpp"
#include "run/filter_request.hpp"
#include "util/atomic_file.hpp"
#include "util/json_text.hpp"
#include "util/process.hpp"
#include "util/unique_fd.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace sluice::engine {
namespace {

namespace fs = std::filesystem;

std::size_t value_size(h5::ValueType t) {
    switch (t) {
    case h5::ValueType::int8:
    case h5::ValueType::uint8:
        return 1;
    case h5::ValueType::int16:
    case h5::ValueType::uint16:
        return 2;
    case h5::ValueType::float32:
    case h5::ValueType::int32:
    case h5::ValueType::uint32:
        return 4;
    default:
        return 8;
    }
}

// Bytes the results group will occupy: Filtered_Data dominates; the rest is per-row book-keeping
// and a margin for HDF5 metadata and the ancillary copies.
std::uint64_t result_bytes(const h5::MainDataset& m) {
    return m.rows * m.points * value_size(m.type) + m.rows * 5 + m.points * 4 + (1u << 20);
}

Status check_free_space(const fs::path& dir, std::uint64_t needed) {
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) return {}; // cannot tell: the fallocate below still protects us
    const std::uint64_t avail = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (avail < needed)
        return fail(ErrorKind::bad_input,
                    fmt::format("not enough free space in {}: the result needs {:.1f} MB, {:.1f} MB are free",
                                dir.string(), static_cast<double>(needed) / 1e6,
                                static_cast<double>(avail) / 1e6));
    return {};
}

// Reserve the blocks of a freshly created file so that a full disk shows up now, not hours into the run.
Status reserve_file_blocks(const fs::path& path) {
    const UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid())
        return fail(ErrorKind::io, fmt::format("cannot open {} to reserve space", path.string()));
    struct stat st {};
    ::fstat(fd.get(), &st);
    const int rc = st.st_size > 0 ? ::posix_fallocate(fd.get(), 0, st.st_size) : 0;
    if (rc == ENOSPC)
        return fail(ErrorKind::bad_input, fmt::format("not enough free space for {} ({:.1f} MB)",
                                                      path.string(), static_cast<double>(st.st_size) / 1e6));
    return {}; // EOPNOTSUPP and friends: the file system cannot reserve; carry on
}

using Source = CheckedRequest;

Result<Source> validate_source(hid_t file, const FilterOptions& o) {
    auto recipe = recipe::load_recipe(o.recipe);
    if (!recipe) return propagate(recipe);
    auto checked = check_filter_request(file, o.dataset, std::move(*recipe), "recipe " + o.recipe.string());
    if (!checked) return checked;
    const auto rows = checked->main.rows;
    if (o.rows && (o.rows->count == 0 || o.rows->first >= rows || o.rows->count > rows - o.rows->first))
        return fail(ErrorKind::bad_input, fmt::format("--rows {}:{} is not within the {} rows of {}",
                                                      o.rows->first, o.rows->count, rows, o.dataset));
    return checked;
}

h5::RunIdentity identity_of(const FilterOptions& o, const recipe::FilterRecipe& recipe) {
    h5::RunIdentity id;
    id.recipe_hash = recipe::recipe_hash(recipe);
    id.recipe_json = recipe::canonical_json(recipe);
    struct stat st {};
    if (::stat(o.input.c_str(), &st) == 0) {
        id.source_size = static_cast<std::uint64_t>(st.st_size);
        id.source_mtime_ns =
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    id.source_sha256 = o.source_sha256;
    id.source_file = fs::absolute(o.input).lexically_normal().string();
    return id;
}

FilterJob job_for(const Source& s, fs::path target, std::string group, bool in_place) {
    FilterJob job;
    job.target = std::move(target);
    job.group_path = std::move(group);
    job.dataset_path = s.main.path;
    job.rows = s.main.rows;
    job.points = s.main.points;
    job.sample_rate_hz = s.sample_rate_hz;
    job.recipe_json = recipe::canonical_json(s.recipe);
    job.in_place = in_place;
    return job;
}

Result<FilterJob> prepare_standalone(const FilterOptions& o, const fs::path& out) {
    std::error_code ec;
    if (fs::exists(out, ec) && fs::equivalent(out, o.input, ec))
        return fail(ErrorKind::bad_input,
                    "--output names the input file itself; use --in-place to write into it");
    auto in = h5::open_file(o.input, h5::Access::read_only);
    if (!in) return propagate(in);
    auto src = validate_source(in->get(), o);
    if (!src) return propagate(src);
    const auto identity = identity_of(o, src->recipe);

    if (fs::exists(out, ec)) {
        if (!o.resume)
            return fail(
                ErrorKind::refused,
                fmt::format("{} exists and --no-resume was given: nothing was changed", out.string()));
        auto existing = h5::open_file(out, h5::Access::read_only);
        if (!existing) return std::unexpected(existing.error().context("cannot resume"));
        auto group = h5::find_standalone_group(existing->get());
        if (!group) return std::unexpected(group.error().context(out.string()));
        if (auto st = h5::check_identity(existing->get(), *group, src->main, identity); !st)
            return propagate(st);
        auto progress = h5::read_result_progress(existing->get(), *group);
        if (!progress) return propagate(progress);
        auto job = job_for(*src, out, *group, false);
        job.rows_done_at_start = progress->rows_done;
        job.already_complete = progress->complete();
        return job;
    }

    const auto dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec))
        return fail(ErrorKind::bad_input,
                    fmt::format("the output directory {} does not exist", dir.string()));
    // A run killed while it built OUT left ".OUT.creating-PID" behind.
    remove_orphaned_temporaries(dir, "." + out.filename().string() + ".creating-");
    if (auto st = check_free_space(dir, result_bytes(src->main)); !st) return propagate(st);
    auto group_path = h5::next_result_group_path(in->get(), src->main.path);
    if (!group_path) return propagate(group_path);

    // Build the whole file under a temporary name; OUT only ever appears complete.
    const auto tmp = dir / fmt::format(".{}.creating-{}", out.filename().string(), ::getpid());
    auto cleanup = [&](Error e) {
        fs::remove(tmp, ec);
        return std::unexpected(std::move(e));
    };
    {
        auto file = h5::create_file(tmp);
        if (!file) return cleanup(file.error());
        h5::ResultGroupPlan plan{
            h5::ResultMode::standalone, src->main, src->recipe, src->sample_rate_hz, src->composite,
            h5::Bookkeeping::now(),     identity};
        if (auto g = h5::create_result_group(file->get(), in->get(), plan, *group_path); !g)
            return cleanup(g.error());
        if (H5Fflush(file->get(), H5F_SCOPE_GLOBAL) < 0)
            return cleanup(h5::h5_error("cannot flush " + tmp.string()));
    }
    if (auto st = reserve_file_blocks(tmp); !st) return cleanup(st.error());
    if (auto st = fsync_path(tmp); !st) return cleanup(st.error());
    fs::rename(tmp, out, ec);
    if (ec)
        return cleanup(Error{ErrorKind::io, fmt::format("cannot create {}: {}", out.string(), ec.message())});
    (void)fsync_path(dir);
    return job_for(*src, out, *group_path, false);
}

Result<FilterJob> prepare_in_place(const FilterOptions& o) {
    if (::access(o.input.c_str(), W_OK) != 0)
        return fail(
            ErrorKind::refused,
            fmt::format("{} cannot be written ({}): --in-place writes the results into the input; use "
                        "--output OUT.h5 to leave it untouched",
                        o.input.string(), std::strerror(errno)));
    auto file = h5::open_file(o.input, h5::Access::read_write);
    if (!file) return propagate(file);
    auto src = validate_source(file->get(), o);
    if (!src) return propagate(src);
    const auto identity = identity_of(o, src->recipe);

    if (o.resume) {
        // pycroscopy's rule: a group with the same parameters is resumed, or reused when complete.
        auto existing = h5::find_matching_result(file->get(), src->main.path, identity.recipe_hash);
        if (!existing) return propagate(existing);
        if (*existing) {
            auto job = job_for(*src, o.input, (*existing)->group_path, true);
            job.rows_done_at_start = (*existing)->rows_done;
            job.already_complete = (*existing)->complete();
            return job;
        }
    }
    const auto dir = o.input.has_parent_path() ? o.input.parent_path() : fs::path(".");
    if (auto st = check_free_space(dir, result_bytes(src->main)); !st) return propagate(st);
    auto group_path = h5::next_result_group_path(file->get(), src->main.path);
    if (!group_path) return propagate(group_path);
    h5::ResultGroupPlan plan{
        h5::ResultMode::in_place, src->main, src->recipe, src->sample_rate_hz, src->composite,
        h5::Bookkeeping::now(),   identity};
    if (auto g = h5::create_result_group(file->get(), file->get(), plan, *group_path); !g)
        return propagate(g);
    if (H5Fflush(file->get(), H5F_SCOPE_GLOBAL) < 0) return h5::h5_fail("cannot flush " + o.input.string());
    file->reset();
    if (auto st = reserve_file_blocks(o.input); !st) return propagate(st);
    return job_for(*src, o.input, *group_path, true);
}

} // namespace

Result<FilterJob> prepare_filter_job(const FilterOptions& options) {
    if (auto st = check_file_name(options.input, "--input"); !st) return propagate(st);
    if (options.output)
        if (auto st = check_file_name(*options.output, "--output"); !st) return propagate(st);
    if (!fs::exists(options.input))
        return fail(ErrorKind::bad_input,
                    fmt::format("input file {} does not exist", options.input.string()));
    return options.output ? prepare_standalone(options, *options.output) : prepare_in_place(options);
}

std::string encode(const Result<FilterJob>& job) {
    nlohmann::json j;
    if (!job) {
        j["error_kind"] = static_cast<int>(job.error().kind);
        j["error"] = job.error().message;
        return json_text(j);
    }
    j["target"] = job->target.string();
    j["group"] = job->group_path;
    j["dataset"] = job->dataset_path;
    j["rows"] = job->rows;
    j["points"] = job->points;
    j["fs"] = job->sample_rate_hz;
    j["recipe"] = job->recipe_json;
    j["in_place"] = job->in_place;
    j["complete"] = job->already_complete;
    j["done"] = job->rows_done_at_start;
    return json_text(j);
}

Result<FilterJob> decode(const std::string& wire) {
    // Rank 0 wrote it; a failure here is a bug, reported as such instead of thrown.
    const auto j = nlohmann::json::parse(wire, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(ErrorKind::internal, "the broadcast job is not JSON");
    try {
        if (j.contains("error"))
            return fail(static_cast<ErrorKind>(j.at("error_kind").get<int>()),
                        j.at("error").get<std::string>());
        FilterJob job;
        job.target = j.at("target").get<std::string>();
        job.group_path = j.at("group").get<std::string>();
        job.dataset_path = j.at("dataset").get<std::string>();
        job.rows = j.at("rows").get<std::uint64_t>();
        job.points = j.at("points").get<std::uint64_t>();
        job.sample_rate_hz = j.at("fs").get<double>();
        job.recipe_json = j.at("recipe").get<std::string>();
        job.in_place = j.at("in_place").get<bool>();
        job.already_complete = j.at("complete").get<bool>();
        job.rows_done_at_start = j.at("done").get<std::uint64_t>();
        return job;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorKind::internal, fmt::format("the broadcast job is incomplete: {}", e.what()));
    }
}

} // namespace sluice::engine
