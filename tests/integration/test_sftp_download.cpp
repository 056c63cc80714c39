// Downloads from a real sshd: reads in flight, hashed while streaming, verified against the server's
// SHA-256, renamed into place; resumed from a local .part; a foreign .part is replaced; cancel keeps
// the .part; a wrong expected hash or a missing file is an error and leaves no result file.
#include "cluster_env.hpp"
#include "remote/session.hpp"
#include "remote/sftp_download.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"
#include "util/shell_quote.hpp"

#include <QtTest>
#include <fstream>
#include <sstream>

using namespace sluice;
using namespace sluice::remote;

namespace {

constexpr std::uint64_t kSize = 5 * 1000 * 1000 + 7;
constexpr std::uint64_t kPrefix = 1500 * 1000;
const std::string kRemote = "dl/source file's $(x).h5";

} // namespace

class TestSftpDownload : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;
    std::string data_;

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        SLUICE_KEY_SESSION(env_, dir_, session_);
        data_ = test::byte_pattern(kSize, 7);
        test::write_bytes(*dir_ / "source", data_);
        auto up = upload_file(*session_, *dir_ / "source", kRemote);
        QVERIFY2(up.has_value(), up ? "" : up.error().message.c_str());
    }

    void downloadsAndVerifies() {
        const auto local = *dir_ / "out put.h5";
        std::uint64_t last = 0;
        bool monotone = true;
        DownloadOptions options;
        options.progress = [&](std::uint64_t done, std::uint64_t total) {
            monotone = monotone && done > last && total == kSize;
            last = done;
        };
        auto r = download_file(*session_, kRemote, local, options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->sha256, sha256_hex(data_));
        QCOMPARE(r->received, kSize);
        QCOMPARE(r->resumed_from, std::uint64_t{0});
        QVERIFY(monotone);
        QCOMPARE(last, kSize);
        QVERIFY(test::read_bytes(local) == data_);
        QVERIFY(!std::filesystem::exists(local.string() + ".part"));
    }

    void resumesFromLocalPart() {
        const auto local = *dir_ / "resumed.h5";
        test::write_bytes(local.string() + ".part", std::string_view(data_).substr(0, kPrefix));
        auto r = download_file(*session_, kRemote, local);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->resumed_from, kPrefix);
        QCOMPARE(r->received, kSize - kPrefix);
        QVERIFY(test::read_bytes(local) == data_);
    }

    // A link planted where the .part goes must not have the download written through it.
    void partThatIsALinkIsRefused() {
        const auto local = *dir_ / "linked.h5";
        const auto victim = *dir_ / "victim.txt";
        test::write_bytes(victim, "precious");
        std::filesystem::create_symlink(victim, local.string() + ".part");
        auto r = download_file(*session_, kRemote, local);
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::refused);
        QVERIFY2(r.error().message.find("is a symbolic link") != std::string::npos,
                 r.error().message.c_str());
        QCOMPARE(test::read_bytes(victim), std::string("precious"));
        QVERIFY(!std::filesystem::exists(std::filesystem::symlink_status(local)));
    }

    // The verified result never replaces a file that appeared at its name during the download.
    void resultNeverReplacesAFileThatAppeared() {
        const auto local = *dir_ / "appeared.h5";
        DownloadOptions options;
        bool planted = false;
        options.progress = [&](std::uint64_t, std::uint64_t) {
            if (!planted) test::write_bytes(local, "the user's own file");
            planted = true;
        };
        auto r = download_file(*session_, kRemote, local, options);
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::refused);
        QVERIFY2(r.error().message.find("appeared while the result was downloaded") != std::string::npos,
                 r.error().message.c_str());
        QCOMPARE(test::read_bytes(local), std::string("the user's own file"));
        QVERIFY(test::read_bytes(local.string() + ".part") == data_); // verified, kept for the user
    }

    // A full local disk is found before any data is received, not when the write fails.
    void refusedWithoutLocalFreeSpace() {
        const auto small = *dir_ / "small fs";
        std::filesystem::create_directories(small);
        const std::string quoted = shell_quote(small.string());
        if (std::system(("mount -t tmpfs -o size=1m tmpfs " + quoted).c_str()) != 0) {
            if (test::fixtures_strict()) QFAIL("cannot mount a tmpfs");
            QSKIP("cannot mount a tmpfs here");
        }
        struct Unmount {
            std::string dir;
            ~Unmount() { (void)std::system(("umount " + dir).c_str()); }
        } unmount{quoted};
        auto r = download_file(*session_, kRemote, small / "result.h5");
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::refused);
        QVERIFY2(r.error().message.find("not enough free space") != std::string::npos,
                 r.error().message.c_str());
        QVERIFY(!std::filesystem::exists(small / "result.h5"));
        QVERIFY(!std::filesystem::exists(small / "result.h5.part"));
    }

    void foreignPartIsReplaced() {
        const auto local = *dir_ / "foreign.h5";
        test::write_bytes(local.string() + ".part", test::byte_pattern(kPrefix, 8));
        DownloadOptions options;
        options.expected_sha256 = sha256_hex(data_); // known hash: no server-side hashing needed
        auto r = download_file(*session_, kRemote, local, options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->received, kSize - kPrefix + kSize);
        QVERIFY(test::read_bytes(local) == data_);
    }

    void cancelKeepsPart() {
        const auto local = *dir_ / "cancelled.h5";
        std::stop_source stop;
        DownloadOptions options;
        options.cancel = stop.get_token();
        options.progress = [&](std::uint64_t done, std::uint64_t) {
            if (done >= kPrefix) stop.request_stop();
        };
        auto r = download_file(*session_, kRemote, local, options);
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::cancelled);
        QVERIFY(!std::filesystem::exists(local));
        QVERIFY(std::filesystem::file_size(local.string() + ".part") >= kPrefix);
        // The Session is still good and the next attempt resumes.
        auto again = download_file(*session_, kRemote, local);
        QVERIFY2(again.has_value(), again ? "" : again.error().message.c_str());
        QVERIFY(again->resumed_from >= kPrefix);
        QVERIFY(test::read_bytes(local) == data_);
    }

    void wrongHashIsAnError() {
        const auto local = *dir_ / "wrong.h5";
        DownloadOptions options;
        options.expected_sha256 = std::string(64, '0');
        auto r = download_file(*session_, kRemote, local, options);
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.find("failed verification") != std::string::npos,
                 r.error().message.c_str());
        QVERIFY(!std::filesystem::exists(local));
    }

    void oneRequestInFlight() {
        const auto local = *dir_ / "one.h5";
        DownloadOptions options;
        options.requests_in_flight = 1;
        auto r = download_file(*session_, kRemote, local, options);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->sha256, sha256_hex(data_));
        QVERIFY(test::read_bytes(local) == data_);
    }

    void missingFileIsAnError() {
        auto r = download_file(*session_, "no/such/file.h5", *dir_ / "missing.h5");
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.find("no/such/file.h5") != std::string::npos, r.error().message.c_str());
    }

    void cleanupTestCase() { session_.reset(); }
};

QTEST_GUILESS_MAIN(TestSftpDownload)
#include "test_sftp_download.moc"
