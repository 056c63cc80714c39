// The pipelined SFTP writer against the real server and this machine's libssh (Debian's 0.10.6 with
// its request-id tracking): many writes in flight, libssh's own SFTP calls on the same sftp_session
// still work afterwards, a write the server refuses is reported. Loopback has no latency for pipelining
// to hide (both ways are CPU-bound there), so speed is reported, not asserted.
#include "cluster_env.hpp"
#include "remote/session.hpp"
#include "remote/sftp_channel.hpp"
#include "remote/sftp_pipelined_writer.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <fcntl.h>
#include <fstream>

using namespace sluice;
using namespace sluice::remote;

class TestSftpPipelinedWriter : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;

private slots:
    void initTestCase() {
        QVERIFY(pipelined_writes_available());
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        SLUICE_KEY_SESSION(env_, dir_, session_);
    }

    void libsshStaysInStepAfterPipelinedWrites() {
        auto sftp = open_sftp(*session_);
        QVERIFY(sftp.has_value());
        const std::string data = test::byte_pattern(4 * 1024 * 1024 + 17, 5);
        {
            SftpFileHandle file(sftp_open(sftp->get(), "pipelined.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644));
            QVERIFY(file);
            PipelinedWriter writer(sftp->get(), file.get(), 0, 16);
            for (std::size_t at = 0; at < data.size(); at += 40000) {
                auto st = writer.write({data.data() + at, std::min<std::size_t>(40000, data.size() - at)});
                QVERIFY2(st.has_value(), st ? "" : st.error().message.c_str());
            }
            auto st = writer.finish();
            QVERIFY2(st.has_value(), st ? "" : st.error().message.c_str());
        }
        // libssh's own requests on the same sftp_session: stat, open, read.
        QCOMPARE(remote_file_size(sftp->get(), "pipelined.bin"), std::optional<std::uint64_t>(data.size()));
        SftpFileHandle file(sftp_open(sftp->get(), "pipelined.bin", O_RDONLY, 0));
        QVERIFY(file);
        std::string back(data.size(), '\0');
        std::size_t got = 0;
        while (got < back.size()) {
            const auto n =
                sftp_read(file.get(), back.data() + got, std::min<std::size_t>(65536, back.size() - got));
            QVERIFY(n > 0);
            got += static_cast<std::size_t>(n);
        }
        QVERIFY(back == data);
    }

    void refusedWriteIsReported() {
        auto sftp = open_sftp(*session_);
        QVERIFY(sftp.has_value());
        {
            SftpFileHandle file(sftp_open(sftp->get(), "readonly.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644));
            QVERIFY(file);
        }
        SftpFileHandle file(sftp_open(sftp->get(), "readonly.bin", O_RDONLY, 0));
        QVERIFY(file);
        const std::string data = test::byte_pattern(1000, 5);
        Status st;
        {
            PipelinedWriter writer(sftp->get(), file.get(), 0);
            st = writer.write({data.data(), data.size()});
            if (st) st = writer.finish();
        }
        QVERIFY(!st.has_value());
        QVERIFY2(st.error().message.find("refused") != std::string::npos, st.error().message.c_str());
        QCOMPARE(remote_file_size(sftp->get(), "readonly.bin"), std::optional<std::uint64_t>(0));
    }

    void bothUploadPathsAgree() {
        const std::string data = test::byte_pattern(24 * 1024 * 1024, 5);
        const auto local = *dir_ / "big.bin";
        std::ofstream(local, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
        auto timed = [&](bool pipelined) {
            UploadOptions options;
            options.pipelined = pipelined;
            QElapsedTimer clock;
            clock.start();
            auto r =
                upload_file(*session_, local, pipelined ? "big-pipelined.bin" : "big-plain.bin", options);
            const auto ms = std::max<qint64>(1, clock.elapsed());
            if (!r) qWarning("%s", r.error().message.c_str());
            return r && r->sha256 == sha256_hex(data) ? ms : -1;
        };
        const auto plain = timed(false);
        const auto pipelined = timed(true);
        QVERIFY(plain > 0 && pipelined > 0);
        qInfo("24 MiB upload incl. hashing and verification: sftp_write %lld ms, pipelined %lld ms", plain,
              pipelined);
    }

    void cleanupTestCase() { session_.reset(); }
};

QTEST_GUILESS_MAIN(TestSftpPipelinedWriter)
#include "test_sftp_pipelined_writer.moc"
