#include "h5/h5_file.hpp"

#include "h5/h5_error.hpp"

#include <fmt/format.h>
#include <optional>
#include <regex>
#include <system_error>
#include <unistd.h>

namespace sluice::h5 {
namespace {

namespace fs = std::filesystem;

// The file name HDF5 knows an object by, for messages ("no dataset 'x' in data.h5").
std::string file_name_of(hid_t loc) {
    const auto n = H5Fget_name(loc, nullptr, 0);
    if (n <= 0) {
        (void)take_error_stack();
        return "the file";
    }
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Fget_name(loc, name.data(), name.size() + 1);
    return name;
}

std::string kind_name(H5O_type_t t) {
    switch (t) {
    case H5O_TYPE_GROUP:
        return "a group";
    case H5O_TYPE_DATASET:
        return "a dataset";
    case H5O_TYPE_NAMED_DATATYPE:
        return "a named datatype";
    default:
        return "an object of unknown kind";
    }
}

// Checks shared by open and create: the path names a readable regular file, or (create) a directory
// that exists.
Status check_existing(const fs::path& path, Access access) {
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (!fs::exists(st)) return fail(ErrorKind::io, fmt::format("{} does not exist", path.string()));
    if (fs::is_directory(st))
        return fail(ErrorKind::bad_input, fmt::format("{} is a directory, not a file", path.string()));
    if (::access(path.c_str(), R_OK) != 0)
        return fail(ErrorKind::io, fmt::format("{} cannot be read (permission denied)", path.string()));
    if (access == Access::read_write && ::access(path.c_str(), W_OK) != 0)
        return fail(ErrorKind::io, fmt::format("{} cannot be written (permission denied)", path.string()));
    return {};
}

// HDF5 notices a short file when it reads the superblock: "truncated file: eof = N, ..., stored_eof = M".
std::optional<Error> truncation_error(const fs::path& path, const std::string& stack) {
    static const std::regex pattern(R"(truncated file: eof = (\d+).*stored_eof = (\d+))");
    std::smatch m;
    if (!std::regex_search(stack, m, pattern)) return std::nullopt;
    std::error_code ec;
    auto on_disk = fs::file_size(path, ec);
    if (ec) on_disk = std::stoull(m[1].str());
    return Error{
        ErrorKind::bad_input,
        fmt::format("{} is truncated ({} bytes on disk, {} expected): the copy or download is incomplete",
                    path.string(), on_disk, m[2].str())};
}

} // namespace

Result<File> open_file(const fs::path& path, Access access, hid_t fapl) {
    if (auto st = check_existing(path, access); !st) return propagate(st);
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 < 0) {
        const auto stack = take_error_stack();
        if (auto e = truncation_error(path, stack)) return std::unexpected(*e);
        return fail(ErrorKind::bad_input,
                    fmt::format("{} cannot be read as HDF5 ({})", path.string(), stack));
    }
    if (is_hdf5 == 0) return fail(ErrorKind::bad_input, fmt::format("{} is not an HDF5 file", path.string()));

    const unsigned flags = access == Access::read_write ? H5F_ACC_RDWR : H5F_ACC_RDONLY;
    File f(H5Fopen(path.c_str(), flags, fapl));
    if (!f) {
        const auto stack = take_error_stack();
        if (auto e = truncation_error(path, stack)) return std::unexpected(*e);
        if (stack.find("unable to lock file") != std::string::npos)
            return fail(
                ErrorKind::bad_input,
                fmt::format("{} is open for writing in another program (HDF5 file lock); close it there, "
                            "or on file systems without locking set HDF5_USE_FILE_LOCKING=FALSE",
                            path.string()));
        // The signature is there but the structure is not readable: damaged, or locked by a writer.
        return fail(ErrorKind::bad_input,
                    fmt::format("{} cannot be opened{} (HDF5: {})", path.string(),
                                access == Access::read_write ? " for writing" : "", stack));
    }
    return f;
}

Result<File> create_file(const fs::path& path, hid_t fapl) {
    const auto dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return fail(ErrorKind::bad_input, fmt::format("the directory {} does not exist", dir.string()));
    if (fs::is_directory(path, ec))
        return fail(ErrorKind::bad_input, fmt::format("{} is a directory, not a file", path.string()));
    File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
    if (!f) return h5_fail(fmt::format("cannot create {}", path.string()));
    return f;
}

bool path_exists(hid_t loc, const std::string& path) {
    if (path.empty()) return false;
    if (path == "/" || path == ".") return true;
    // H5Lexists fails (rather than answering no) when an intermediate component is missing, so walk
    // the path one component at a time; H5Oexists_by_name then rejects dangling soft links.
    std::string prefix = path.front() == '/' ? "/" : "";
    std::size_t pos = path.front() == '/' ? 1 : 0;
    while (pos < path.size()) {
        auto next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        if (next > pos) {
            if (!prefix.empty() && prefix.back() != '/') prefix += '/';
            prefix += path.substr(pos, next - pos);
            if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0 ||
                H5Oexists_by_name(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
                (void)take_error_stack();
                return false;
            }
        }
        pos = next + 1;
    }
    return true;
}

namespace {

// Open `path` expecting an object of kind `want`; the errors name the path, the file and the kind found.
Status expect_kind(hid_t loc, const std::string& path, H5O_type_t want) {
    const std::string what = want == H5O_TYPE_DATASET ? "dataset" : "group";
    if (!path_exists(loc, path))
        return fail(ErrorKind::bad_input, fmt::format("no {} '{}' in {}", what, path, file_name_of(loc)));
    H5O_info_t info{};
    if (H5Oget_info_by_name2(loc, path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return h5_fail(fmt::format("cannot look at '{}' in {}", path, file_name_of(loc)),
                       ErrorKind::bad_input);
    if (info.type != want)
        return fail(ErrorKind::bad_input, fmt::format("'{}' in {} is {}, not a {}", path, file_name_of(loc),
                                                      kind_name(info.type), what));
    return {};
}

} // namespace

Result<Dataset> open_dataset(hid_t loc, const std::string& path) {
    if (auto st = expect_kind(loc, path, H5O_TYPE_DATASET); !st) return propagate(st);
    Dataset d(H5Dopen2(loc, path.c_str(), H5P_DEFAULT));
    if (!d) return h5_fail(fmt::format("cannot open dataset '{}' in {}", path, file_name_of(loc)));
    return d;
}

Result<Group> open_group(hid_t loc, const std::string& path) {
    if (auto st = expect_kind(loc, path, H5O_TYPE_GROUP); !st) return propagate(st);
    Group g(H5Gopen2(loc, path.c_str(), H5P_DEFAULT));
    if (!g) return h5_fail(fmt::format("cannot open group '{}' in {}", path, file_name_of(loc)));
    return g;
}

std::string object_path(hid_t obj) {
    const auto n = H5Iget_name(obj, nullptr, 0);
    if (n <= 0) {
        (void)take_error_stack();
        return "(unnamed object)";
    }
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Iget_name(obj, name.data(), name.size() + 1);
    return name;
}

} // namespace sluice::h5
