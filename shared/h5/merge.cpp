#include "h5/merge.hpp"

#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/result_group.hpp"
#include "h5/usid.hpp"
#include "util/atomic_file.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace sluice::h5 {
namespace {

namespace fs = std::filesystem;

struct Recorded {
    std::string group;
    std::string dataset;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::optional<std::string> sha256;
};

Result<Recorded> read_recorded(hid_t result) {
    auto group = find_standalone_group(result);
    if (!group) return propagate(group);
    auto g = open_group(result, *group);
    if (!g) return propagate(g);
    Recorded r;
    r.group = *group;
    auto dataset = read_string_attribute(g->get(), "sluice_source_dataset");
    auto size = read_int_attribute(g->get(), "sluice_source_size");
    auto mtime = read_int_attribute(g->get(), "sluice_source_mtime_ns");
    if (!dataset || !size || !mtime)
        return fail(ErrorKind::bad_input, "the result file does not record which source it was made from");
    r.dataset = *dataset;
    r.size = *size;
    r.mtime_ns = *mtime;
    if (has_attribute(g->get(), "sluice_source_sha256")) {
        auto sha = read_string_attribute(g->get(), "sluice_source_sha256");
        if (sha) r.sha256 = *sha;
    }
    return r;
}

Status check_source_unchanged(const fs::path& into, const Recorded& rec) {
    struct stat st {};
    if (::stat(into.c_str(), &st) != 0)
        return fail(ErrorKind::bad_input, fmt::format("{} does not exist", into.string()));
    if (rec.sha256) {
        auto sha = sha256_file(into);
        if (!sha) return propagate(sha);
        if (*sha != *rec.sha256)
            return fail(ErrorKind::refused,
                        fmt::format("{} is not the file the result was made from (SHA-256 {} "
                                    "differs from the recorded {}): nothing was changed",
                                    into.string(), sha->substr(0, 12), rec.sha256->substr(0, 12)));
        return {};
    }
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (st.st_size != rec.size || mtime != rec.mtime_ns)
        return fail(
            ErrorKind::refused,
            fmt::format("{} changed since the result was made from it (size or modification time differ): "
                        "nothing was changed",
                        into.string()));
    return {};
}

Status check_space(const fs::path& into, const fs::path& result) {
    std::error_code ec;
    const auto need = fs::file_size(into, ec) + fs::file_size(result, ec) + (1u << 20);
    struct statvfs vfs {};
    const auto dir = into.has_parent_path() ? into.parent_path() : fs::path(".");
    if (::statvfs(dir.c_str(), &vfs) != 0) return {};
    const auto avail = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (avail < need)
        return fail(ErrorKind::refused,
                    fmt::format("not enough free space in {} for the merge: it needs {:.1f} MB "
                                "(a full copy of the source), {:.1f} MB are free",
                                dir.string(), static_cast<double>(need) / 1e6,
                                static_cast<double>(avail) / 1e6));
    return {};
}

// After H5Ocopy the group's object references still point into the result file; re-point them to the
// source's own datasets and replace the standalone book-keeping by source_000.
Status repoint(hid_t file, const std::string& group_path, const MainDataset& main) {
    auto g = open_group(file, group_path);
    if (!g) return propagate(g);
    for (const char* name : {"sluice_source_file", "sluice_source_dataset"})
        if (has_attribute(g->get(), name) && H5Adelete(g->get(), name) < 0)
            return h5_fail("cannot update " + group_path);
    if (auto s = write_reference_attribute(g->get(), "source_000", file, main.path); !s) return s;

    auto fd = open_dataset(file, group_path + "/Filtered_Data");
    if (!fd) return propagate(fd);
    const std::pair<const char*, const Ancillary*> anc[] = {
        {"Position_Indices", &main.position_indices},
        {"Position_Values", &main.position_values},
        {"Spectroscopic_Indices", &main.spectroscopic_indices},
        {"Spectroscopic_Values", &main.spectroscopic_values}};
    for (const auto& [name, a] : anc)
        if (auto s = write_reference_attribute(fd->get(), name, file, a->path); !s) return s;

    if (path_exists(file, group_path + "/Noise_Floors")) {
        auto nf = open_dataset(file, group_path + "/Noise_Floors");
        if (!nf) return propagate(nf);
        for (const auto& [name, a] : {anc[0], anc[1]})
            if (auto s = write_reference_attribute(nf->get(), name, file, a->path); !s) return s;
        if (auto s = write_reference_attribute(nf->get(), "Spectroscopic_Indices", file,
                                               group_path + "/Noise_Spec_Indices");
            !s)
            return s;
        if (auto s = write_reference_attribute(nf->get(), "Spectroscopic_Values", file,
                                               group_path + "/Noise_Spec_Values");
            !s)
            return s;
    }
    return {};
}

Result<std::string> merge_into_copy(const fs::path& tmp, hid_t result, const Recorded& rec) {
    auto file = open_file(tmp, Access::read_write);
    if (!file) return propagate(file);
    auto main = read_main_dataset(file->get(), rec.dataset);
    if (!main) return propagate(main);
    auto target = next_result_group_path(file->get(), rec.dataset);
    if (!target) return propagate(target);
    if (H5Ocopy(result, rec.group.c_str(), file->get(), target->c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
        return h5_fail("cannot copy " + rec.group + " into the source");
    if (auto s = repoint(file->get(), *target, *main); !s) return propagate(s);
    if (H5Fflush(file->get(), H5F_SCOPE_GLOBAL) < 0) return h5_fail("cannot flush the merged file");
    return *target;
}

} // namespace

Result<MergeOutcome> merge_result(const fs::path& result, const fs::path& link_or_file) {
    // The user means the file a link points to: that file is merged and replaced, the link stays a link.
    std::error_code ec;
    fs::path into = link_or_file;
    if (fs::is_symlink(fs::symlink_status(link_or_file, ec))) {
        into = fs::canonical(link_or_file, ec);
        if (ec)
            return fail(ErrorKind::bad_input,
                        fmt::format("{} is a link to a file that does not exist", link_or_file.string()));
    }
    auto res = open_file(result, Access::read_only);
    if (!res) return propagate(res);
    auto rec = read_recorded(res->get());
    if (!rec) return std::unexpected(rec.error().context(result.string()));
    auto progress = read_result_progress(res->get(), rec->group);
    if (!progress) return propagate(progress);
    if (!progress->complete())
        return fail(ErrorKind::refused,
                    fmt::format("the result is incomplete ({} of {} rows): resume the run before "
                                "merging",
                                progress->rows_done, progress->rows_total));
    if (auto s = check_source_unchanged(into, *rec); !s) return propagate(s);
    if (auto s = check_space(into, result); !s) return propagate(s);

    const auto dir = into.has_parent_path() ? into.parent_path() : fs::path(".");
    const auto prefix = fmt::format(".{}.merging-", into.filename().string());
    remove_orphaned_temporaries(dir, prefix); // full-size copies of merges that were killed
    const auto tmp = dir / fmt::format("{}{}", prefix, ::getpid());
    fs::copy_file(into, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return fail(ErrorKind::io,
                    fmt::format("cannot copy {} for the merge: {}", into.string(), ec.message()));
    }
    auto group = merge_into_copy(tmp, res->get(), *rec);
    if (group) {
        struct stat st {};
        if (::stat(into.c_str(), &st) == 0) ::chmod(tmp.c_str(), st.st_mode & 07777);
        if (auto s = fsync_path(tmp); !s) group = std::unexpected(s.error());
    }
    if (group) {
        fs::rename(tmp, into, ec);
        if (ec)
            group = fail(ErrorKind::io, fmt::format("cannot replace {}: {}", into.string(), ec.message()));
    }
    if (!group) {
        fs::remove(tmp, ec);
        return propagate(group);
    }
    (void)fsync_path(dir);
    return MergeOutcome{*group};
}

} // namespace sluice::h5
