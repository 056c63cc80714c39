// Uploads to a real sshd: hashed while streaming, verified by the server, renamed into place; resumed
// from a .part; a foreign .part is detected and replaced; a known copy is not sent again; cancel keeps
// the .part for the next attempt; too little free space is refused up front; the server's hash with
// openssl and with sha256sum alone.
#include "cluster_env.hpp"
#include "remote/remote_checksum.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"
#include "util/shell_quote.hpp"

#include <QtTest>
#include <cstdlib>
#include <fstream>

using namespace sluice;
using namespace sluice::remote;

namespace {

constexpr std::uint64_t kSize = 3 * 1000 * 1000 + 123; // not a multiple of the chunk size
constexpr std::uint64_t kPrefix = 1000 * 1000;

} // namespace

class TestSftpUpload : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;
    std::string data_;
    std::filesystem::path local_;

    bool part_exists(const std::string& remote) {
        auto r = run_script(*session_, "test -e \"$1.part\"", {remote});
        return r && r->exit_status == 0;
    }

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        SLUICE_KEY_SESSION(env_, dir_, session_);
        data_ = test::byte_pattern(kSize, 1);
        local_ = *dir_ / "source.h5";
        test::write_bytes(local_, data_);
    }

    void uploadsVerifiesAndRenames() {
        const std::string remote = "up load/it's $(x) `y` ünï.h5";
        std::uint64_t last = 0, calls = 0;
        bool monotone = true;
        UploadOptions options;
        options.progress = [&](std::uint64_t done, std::uint64_t total) {
            monotone = monotone && done > last && total == kSize;
            last = done, ++calls;
        };
        auto r = upload_file(*session_, local_, remote, options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->sha256, sha256_hex(data_));
        QCOMPARE(r->bytes, kSize);
        QCOMPARE(r->sent, kSize);
        QCOMPARE(r->resumed_from, std::uint64_t{0});
        QVERIFY(!r->skipped);
        QVERIFY(monotone && calls > 1);
        QCOMPARE(last, kSize);
        auto remote_hash = remote_sha256(*session_, remote);
        QVERIFY2(remote_hash.has_value(), remote_hash ? "" : remote_hash.error().message.c_str());
        QCOMPARE(*remote_hash, r->sha256);
        QVERIFY(!part_exists(remote));
    }

    void knownCopyIsNotSentAgain() {
        UploadOptions options;
        options.known_sha256 = sha256_hex(data_);
        auto r = upload_file(*session_, local_, "known.h5", options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QVERIFY(!r->skipped); // first time: not there yet
        r = upload_file(*session_, local_, "known.h5", options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QVERIFY(r->skipped);
        QCOMPARE(r->sent, std::uint64_t{0});
    }

    void resumesFromPart() {
        // A previous attempt's .part: the file's first kPrefix bytes.
        test::write_bytes(*dir_ / "prefix", std::string_view(data_).substr(0, kPrefix));
        QVERIFY(upload_file(*session_, *dir_ / "prefix", "resume.h5.part").has_value());
        auto r = upload_file(*session_, local_, "resume.h5");
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->resumed_from, kPrefix);
        QCOMPARE(r->sent, kSize - kPrefix);
        QCOMPARE(*remote_sha256(*session_, "resume.h5"), sha256_hex(data_));
    }

    void foreignPartIsReplaced() {
        test::write_bytes(*dir_ / "foreign", test::byte_pattern(kPrefix, 2));
        QVERIFY(upload_file(*session_, *dir_ / "foreign", "foreign.h5.part").has_value());
        auto r = upload_file(*session_, local_, "foreign.h5");
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->resumed_from, kPrefix);
        QCOMPARE(r->sent, kSize - kPrefix + kSize); // the verification failed once, then all was sent
        QCOMPARE(*remote_sha256(*session_, "foreign.h5"), sha256_hex(data_));
    }

    // Progress counts acknowledged bytes: with the default 64 requests (2 MiB) in flight the 3 MB file
    // is all sent before 1 MB is acknowledged, and the stop would land in the verification, whose
    // rename may still finish on the server. One request in flight stops the transfer itself.
    void cancelKeepsPartForResume() {
        std::stop_source stop;
        UploadOptions options;
        options.requests_in_flight = 1;
        options.cancel = stop.get_token();
        options.progress = [&](std::uint64_t done, std::uint64_t) {
            if (done >= kPrefix) stop.request_stop();
        };
        auto r = upload_file(*session_, local_, "cancel.h5", options);
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::cancelled);
        QVERIFY(part_exists("cancel.h5"));
        const auto kept = run_script(*session_, "wc -c < \"$1.part\"", {std::string("cancel.h5")});
        QVERIFY2(kept && kept->exit_status == 0, kept ? kept->err.c_str() : kept.error().message.c_str());
        const auto kept_bytes = std::stoull(kept->out);
        QVERIFY2(kept_bytes >= kPrefix, kept->out.c_str());
        auto again = upload_file(*session_, local_, "cancel.h5");
        QVERIFY2(again.has_value(), again ? "" : again.error().message.c_str());
        QCOMPARE(again->resumed_from, kept_bytes);
        QCOMPARE(*remote_sha256(*session_, "cancel.h5"), sha256_hex(data_));
    }

    void replacesAnOlderCopy() {
        test::write_bytes(*dir_ / "old", test::byte_pattern(5000, 3));
        QVERIFY(upload_file(*session_, *dir_ / "old", "replace.h5").has_value());
        auto r = upload_file(*session_, local_, "replace.h5");
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(*remote_sha256(*session_, "replace.h5"), sha256_hex(data_));
    }

    void oneRequestInFlight() {
        UploadOptions options;
        options.requests_in_flight = 1;
        auto r = upload_file(*session_, local_, "one.h5", options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(*remote_sha256(*session_, "one.h5"), sha256_hex(data_));
    }

    void checksumWithAndWithoutOpenssl() {
        QVERIFY(upload_file(*session_, local_, "sum.h5").has_value());
        const std::string function(sha256_shell_function());
        auto with = run_script(*session_, function + "command -v openssl >/dev/null && sluice_sha256 \"$1\"",
                               {"sum.h5"});
        // A PATH with only sha256sum and cut: the fallback.
        auto without =
            run_script(*session_,
                       function + "d=$(mktemp -d) || exit 1\n"
                                  "ln -s \"$(command -v sha256sum)\" \"$(command -v cut)\" \"$d\"\n"
                                  "PATH=$d sluice_sha256 \"$1\"; s=$?; rm -rf \"$d\"; exit $s",
                       {"sum.h5"});
        QVERIFY(with && without);
        QCOMPARE(with->out, sha256_hex(data_) + "\n");
        QCOMPARE(without->out, sha256_hex(data_) + "\n");
        QCOMPARE(without->exit_status, 0);
    }

    void refusedWithoutFreeSpace() {
        // A 1 MB file system in the test user's home (the server is this machine): the 3 MB upload is
        // refused before any data is sent.
        auto home = run_script(*session_, "pwd");
        QVERIFY(home && home->exit_status == 0);
        const std::filesystem::path small = home->out.substr(0, home->out.find('\n')) + "/small fs";
        std::filesystem::create_directories(small);
        const std::string quoted = shell_quote(small.string());
        if (std::system(("mount -t tmpfs -o size=1m,mode=0777 tmpfs " + quoted).c_str()) != 0) {
            if (test::fixtures_strict()) QFAIL("cannot mount a tmpfs");
            QSKIP("cannot mount a tmpfs here");
        }
        struct Unmount {
            std::string dir;
            ~Unmount() { (void)std::system(("umount " + dir).c_str()); }
        } unmount{quoted};
        auto r = upload_file(*session_, local_, "small fs/data.h5");
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::refused);
        QVERIFY2(r.error().message.find("not enough free space") != std::string::npos,
                 r.error().message.c_str());
        QVERIFY(!part_exists("small fs/data.h5"));
    }

    void plainSftpWriteFallback() {
        UploadOptions options;
        options.pipelined = false;
        auto r = upload_file(*session_, local_, "plain.h5", options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(*remote_sha256(*session_, "plain.h5"), sha256_hex(data_));
    }

    void cleanupTestCase() { session_.reset(); }
};

QTEST_GUILESS_MAIN(TestSftpUpload)
#include "test_sftp_upload.moc"
