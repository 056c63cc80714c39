#pragma once
// One RAII type per HDF5 id kind: each closes its id with the matching H5?close and cannot be mixed
// up with another kind at compile time.
#include <hdf5.h>
#include <utility>

namespace sluice::h5 {

template <herr_t (*Close)(hid_t), class Tag>
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    ~Handle() { reset(); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
        }
        return *this;
    }

    [[nodiscard]] hid_t get() const { return id_; }
    [[nodiscard]] bool valid() const { return id_ >= 0; }
    explicit operator bool() const { return valid(); }
    hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
    void reset() {
        if (id_ >= 0) Close(id_);
        id_ = H5I_INVALID_HID;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
};

struct FileTag {};
struct GroupTag {};
struct DatasetTag {};
struct DataspaceTag {};
struct DatatypeTag {};
struct AttributeTag {};
struct PropListTag {};
struct ObjectTag {};

using File = Handle<H5Fclose, FileTag>;
using Group = Handle<H5Gclose, GroupTag>;
using Dataset = Handle<H5Dclose, DatasetTag>;
using Dataspace = Handle<H5Sclose, DataspaceTag>;
using Datatype = Handle<H5Tclose, DatatypeTag>;
using Attribute = Handle<H5Aclose, AttributeTag>;
using PropList = Handle<H5Pclose, PropListTag>;
using Object = Handle<H5Oclose, ObjectTag>; ///< an object opened by path or reference, kind unknown

} // namespace sluice::h5
