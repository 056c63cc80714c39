#pragma once
// RAII owners for libssh handles: every handle is freed exactly once, on every path.
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <memory>

namespace sluice::remote {

struct SessionFree {
    void operator()(ssh_session s) const noexcept {
        if (ssh_is_connected(s)) ssh_disconnect(s);
        ssh_free(s);
    }
};
struct ChannelFree {
    void operator()(ssh_channel c) const noexcept {
        if (ssh_channel_is_open(c)) ssh_channel_close(c);
        ssh_channel_free(c);
    }
};
struct KeyFree {
    void operator()(ssh_key k) const noexcept { ssh_key_free(k); }
};
struct SftpFree {
    void operator()(sftp_session s) const noexcept { sftp_free(s); }
};
struct SftpFileClose {
    void operator()(sftp_file f) const noexcept { sftp_close(f); }
};
struct SftpAttributesFree {
    void operator()(sftp_attributes a) const noexcept { sftp_attributes_free(a); }
};
/// Strings libssh hands out with malloc (fingerprints, base64 keys).
struct CStringFree {
    void operator()(char* p) const noexcept { ssh_string_free_char(p); }
};

using SessionHandle = std::unique_ptr<ssh_session_struct, SessionFree>;
using ChannelHandle = std::unique_ptr<ssh_channel_struct, ChannelFree>;
using KeyHandle = std::unique_ptr<ssh_key_struct, KeyFree>;
using SftpHandle = std::unique_ptr<sftp_session_struct, SftpFree>;
using SftpFileHandle = std::unique_ptr<sftp_file_struct, SftpFileClose>;
using SftpAttributes = std::unique_ptr<sftp_attributes_struct, SftpAttributesFree>;
using CString = std::unique_ptr<char, CStringFree>;

} // namespace sluice::remote
