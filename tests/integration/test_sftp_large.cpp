// A 200 MB file up and down through a real sshd: every hash (the upload's streaming one, the server's,
// the download's and the downloaded file's) equals the local file's, computed on its own beforehand.
#include "cluster_env.hpp"
#include "remote/remote_checksum.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "remote/sftp_download.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"

#include <QtTest>

using namespace sluice;
using namespace sluice::remote;

namespace {

constexpr std::uint64_t kSize = 200ull * 1000 * 1000 + 4321; // not a multiple of any request size

double mb_per_s(std::uint64_t bytes, const QElapsedTimer& clock) {
    return static_cast<double>(bytes) / 1e6 / (static_cast<double>(clock.nsecsElapsed()) / 1e9);
}

} // namespace

class TestSftpLarge : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;
    std::filesystem::path local_;
    std::string local_sha256_;
    const std::string remote_ = "large dir/200 MB ünï.bin";

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        SLUICE_KEY_SESSION(env_, dir_, session_);
        local_ = *dir_ / "source.bin";
        test::write_bytes(local_, test::byte_pattern(kSize, 7));
        auto h = sha256_file(local_);
        QVERIFY2(h.has_value(), h ? "" : h.error().message.c_str());
        local_sha256_ = *h;
    }

    void uploadMatchesTheLocalHash() {
        QElapsedTimer clock;
        clock.start();
        auto r = upload_file(*session_, local_, remote_);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        qInfo("upload: %.0f MB/s including the server's verification", mb_per_s(kSize, clock));
        QCOMPARE(r->bytes, kSize);
        QCOMPARE(r->sent, kSize);
        QCOMPARE(r->resumed_from, std::uint64_t{0});
        QCOMPARE(r->sha256, local_sha256_);
        auto remote_hash = remote_sha256(*session_, remote_);
        QVERIFY2(remote_hash.has_value(), remote_hash ? "" : remote_hash.error().message.c_str());
        QCOMPARE(*remote_hash, local_sha256_);
    }

    void downloadMatchesTheLocalHash() {
        const auto back = *dir_ / "back.bin";
        QElapsedTimer clock;
        clock.start();
        auto r = download_file(*session_, remote_, back);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        qInfo("download: %.0f MB/s including the server's hash", mb_per_s(kSize, clock));
        QCOMPARE(r->bytes, kSize);
        QCOMPARE(r->received, kSize);
        QCOMPARE(r->sha256, local_sha256_);
        QCOMPARE(std::filesystem::file_size(back), kSize);
        auto h = sha256_file(back);
        QVERIFY2(h.has_value(), h ? "" : h.error().message.c_str());
        QCOMPARE(*h, local_sha256_);
        QVERIFY(!std::filesystem::exists(back.string() + ".part"));
        std::filesystem::remove(back);
    }

    void cleanupTestCase() {
        if (session_) {
            auto r = run_script(*session_, "rm -rf -- \"$(dirname -- \"$1\")\"", {remote_});
            QVERIFY(r && r->exit_status == 0);
        }
        session_.reset();
        dir_.reset(); // the local 200 MB go with the directory
    }
};

QTEST_GUILESS_MAIN(TestSftpLarge)
#include "test_sftp_large.moc"
