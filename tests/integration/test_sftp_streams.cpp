// Large files over several SFTP channels of one session (sftp_streams.hpp) through a real sshd: byte
// for byte up and down, the channels the server refuses are done without, a resumed upload sends the
// last kUploadFrontier bytes again, and a .part corrupted between two attempts is caught by the
// verification and sent again in full. Interruptions by a killed server: test_sftp_kill_resume.
#include "cluster_env.hpp"
#include "remote/remote_checksum.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "remote/sftp_channel.hpp"
#include "remote/sftp_download.hpp"
#include "remote/sftp_streams.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <fcntl.h>
#include <fstream>

using namespace sluice;
using namespace sluice::remote;

namespace {

constexpr std::uint64_t kSize = kParallelMinBytes + 5ull * 1000 * 1000 + 13; // not a multiple of a run
constexpr std::uint64_t kStopAt = 50ull << 20;

/// Overwrite one byte of a local file in place.
void corrupt_local(const std::filesystem::path& path, std::uint64_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    const char c = static_cast<char>(f.get() ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(c);
}

} // namespace

class TestSftpStreams : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;
    std::filesystem::path local_;
    std::string data_;
    const std::string remote_ = "streams/source $(x).bin";

    Result<std::string> server_hash(const std::string& path) { return remote_sha256(*session_, path); }

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        SLUICE_KEY_SESSION(env_, dir_, session_);
        data_ = test::byte_pattern(kSize, 5);
        local_ = *dir_ / "source.bin";
        test::write_bytes(local_, data_);
    }

    void choosesFromSizeAndRoundTrip() {
        using std::chrono::milliseconds;
        QCOMPARE(choose_streams(Direction::download, kParallelMinBytes - 1, milliseconds(60), 0), 1);
        QCOMPARE(choose_streams(Direction::download, kParallelMinBytes - 1, milliseconds(60), 4), 1);
        QCOMPARE(choose_streams(Direction::download, kParallelMinBytes, std::chrono::microseconds(100), 0),
                 1);
        // A download channel's window is the path's bandwidth-delay product for 256 MB/s, at most 8 MiB:
        // 1 stream at 20 ms, 2 at 60 ms.
        QCOMPARE(receive_window(std::chrono::microseconds(100)), kLibsshWindow);
        QCOMPARE(receive_window(milliseconds(20)), std::uint32_t{5'120'000});
        QCOMPARE(receive_window(milliseconds(60)), kMaxReceiveWindow);
        QCOMPARE(requests_per_stream(Direction::download, 0, kLibsshWindow), kUploadRequests);
        QCOMPARE(requests_per_stream(Direction::download, 0, kMaxReceiveWindow), std::size_t{256});
        QCOMPARE(requests_per_stream(Direction::download, 3, kMaxReceiveWindow), std::size_t{3});
        QCOMPARE(requests_per_stream(Direction::upload, 0, kMaxReceiveWindow), kUploadRequests);
        QCOMPARE(choose_streams(Direction::download, kParallelMinBytes, milliseconds(20), 0), 1);
        QCOMPARE(choose_streams(Direction::download, kParallelMinBytes, milliseconds(60), 0), 2);
        QCOMPARE(choose_streams(Direction::download, kParallelMinBytes, milliseconds(500), 0), kMaxStreams);
        QCOMPARE(choose_streams(Direction::upload, kParallelMinBytes, milliseconds(20), 0), 3);
        QCOMPARE(choose_streams(Direction::upload, kParallelMinBytes, milliseconds(60), 0), 8);
        QCOMPARE(choose_streams(Direction::upload, kParallelMinBytes, milliseconds(60), 2), 2);
        QCOMPARE(choose_streams(Direction::upload, kParallelMinBytes, milliseconds(60), 99), kMaxStreams);
        QCOMPARE(upload_resume_point(5000, 6000), std::uint64_t{5000});
        QCOMPARE(upload_resume_point(kSize, kSize), kSize - kUploadFrontier);
        QCOMPARE(upload_resume_point(kUploadFrontier - 1, kSize), std::uint64_t{0});
        QCOMPARE(upload_resume_point(kSize + 1, kSize), std::uint64_t{0});
    }

    // libssh 0.10 lets a channel's receive window fall to 0.64 MB before re-opening it to 1.28 MB, so
    // read replies that nobody collects stop arriving there; with ReceiveWindow's top-up, the server
    // sends the 6 MiB asked for while none is collected.
    void receiveWindowLetsOneChannelHoldMegabytes() {
        QCOMPARE(run_script(*session_, "mkdir -p streams && head -c 7000000 /dev/zero >streams/window.bin")
                     ->exit_status,
                 0);
        auto sftp = open_sftp(*session_);
        QVERIFY(sftp);
        SftpFileHandle file(sftp_open(sftp->get(), "streams/window.bin", O_RDONLY, 0));
        QVERIFY(file);
        ssh_channel channel = sftp->get()->channel;
        ReceiveWindow window(kMaxReceiveWindow);
        QVERIFY(window.top_up(channel));
        constexpr std::size_t kRequests = (6u << 20) / kTransferChunk;
        std::vector<std::uint32_t> ids;
        for (std::size_t i = 0; i < kRequests; ++i) {
            const int id = sftp_async_read_begin(file.get(), kTransferChunk);
            QVERIFY(id >= 0);
            ids.push_back(static_cast<std::uint32_t>(id));
        }
        // Polling stderr (which SFTP never uses) handles the arriving packets without collecting a
        // reply or growing the window.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (ssh_channel_poll(channel, 0) < static_cast<int>(kRequests * kTransferChunk) &&
               std::chrono::steady_clock::now() < deadline)
            QVERIFY(ssh_channel_poll_timeout(channel, 50, 1) >= 0);
        QVERIFY2(ssh_channel_poll(channel, 0) >= static_cast<int>(kRequests * kTransferChunk),
                 qPrintable(QString("%1 bytes arrived").arg(ssh_channel_poll(channel, 0))));
        std::vector<char> buf(kTransferChunk);
        for (auto id : ids)
            QCOMPARE(sftp_async_read(file.get(), buf.data(), kTransferChunk, id),
                     static_cast<int>(kTransferChunk));
    }

    void uploadAndDownloadOverFourStreams() {
        UploadOptions up;
        up.streams = 4;
        auto sent = upload_file(*session_, local_, remote_, up);
        QVERIFY2(sent.has_value(), sent ? "" : sent.error().message.c_str());
        QCOMPARE(sent->streams, 4);
        QCOMPARE(sent->sent, kSize);
        QCOMPARE(sent->sha256, sha256_hex(data_));
        QCOMPARE(*server_hash(remote_), sha256_hex(data_));

        DownloadOptions down;
        down.streams = 4;
        std::uint64_t last = 0;
        bool monotone = true;
        down.progress = [&](std::uint64_t done, std::uint64_t) {
            monotone = monotone && done > last;
            last = done;
        };
        const auto back = *dir_ / "back.bin";
        auto got = download_file(*session_, remote_, back, down);
        QVERIFY2(got.has_value(), got ? "" : got.error().message.c_str());
        QCOMPARE(got->streams, 4);
        QCOMPARE(got->received, kSize);
        QVERIFY(monotone);
        QCOMPARE(last, kSize);
        QVERIFY(test::read_bytes(back) == data_);
    }

    // More streams than the server lets one connection open (sshd's MaxSessions, 10 by default, with
    // seven channels busy): the transfer uses those that opened. On a connection of its own, so the
    // sessions sshd still holds while the busy scripts end cannot limit the tests after this one.
    void moreStreamsThanTheServerAllows() {
        auto own = test::key_session(env_, *dir_);
        QVERIFY2(own.has_value(), own ? "" : own.error().message.c_str());
        DownloadOptions down;
        down.streams = kMaxStreams;
        std::optional<RemoteScript> busy[7];
        for (auto& b : busy) {
            auto s = RemoteScript::start(*own, "sleep 20");
            QVERIFY2(s.has_value(), s ? "" : s.error().message.c_str());
            b.emplace(std::move(*s));
        }
        const auto back = *dir_ / "limited.bin";
        auto got = download_file(*own, remote_, back, down);
        for (auto& b : busy)
            b.reset();
        QVERIFY2(got.has_value(), got ? "" : got.error().message.c_str());
        QVERIFY(got->streams >= 1);
        QVERIFY(got->streams < kMaxStreams);
        QVERIFY(test::read_bytes(back) == data_);
    }

    // A cancelled upload over four streams resumes kUploadFrontier before the end of the .part; a byte
    // corrupted in the part it keeps is caught by the server's hash, and the file is sent again.
    void corruptedPartIsCaughtAfterResume() {
        const std::string remote = "streams/corrupt.bin";
        std::stop_source stop;
        UploadOptions up;
        up.streams = 4;
        up.cancel = stop.get_token();
        up.progress = [&](std::uint64_t done, std::uint64_t) {
            if (done >= kStopAt) stop.request_stop();
        };
        auto cancelled = upload_file(*session_, local_, remote, up);
        QVERIFY(!cancelled.has_value());
        QCOMPARE(cancelled.error().kind, ErrorKind::cancelled);

        auto corrupt = run_script(
            *session_, "printf 'X' | dd of=\"$1.part\" bs=1 seek=1000 conv=notrunc 2>/dev/null", {remote});
        QVERIFY(corrupt && corrupt->exit_status == 0);
        UploadOptions again;
        again.streams = 4;
        auto r = upload_file(*session_, local_, remote, again);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QVERIFY(r->resumed_from > 0);
        QVERIFY(r->resumed_from < kSize - kUploadFrontier);
        QCOMPARE(r->sent, kSize - r->resumed_from + kSize); // verification failed once, then all of it
        QCOMPARE(*server_hash(remote), sha256_hex(data_));
    }

    void corruptedLocalPartIsCaughtAfterResume() {
        const auto local = *dir_ / "corrupt.bin";
        std::stop_source stop;
        DownloadOptions down;
        down.streams = 4;
        down.cancel = stop.get_token();
        down.progress = [&](std::uint64_t done, std::uint64_t) {
            if (done >= kStopAt) stop.request_stop();
        };
        auto cancelled = download_file(*session_, remote_, local, down);
        QVERIFY(!cancelled.has_value());
        QCOMPARE(cancelled.error().kind, ErrorKind::cancelled);
        const auto part = local.string() + ".part";
        QCOMPARE(std::filesystem::file_size(part), kStopAt); // a prefix, exactly what was reported
        corrupt_local(part, 1000);

        DownloadOptions again;
        again.streams = 4;
        auto r = download_file(*session_, remote_, local, again);
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->resumed_from, kStopAt);
        QCOMPARE(r->received, kSize - kStopAt + kSize);
        QVERIFY(test::read_bytes(local) == data_);
    }

    void wrongExpectedHashFails() {
        DownloadOptions down;
        down.streams = 3;
        down.expected_sha256 = std::string(64, '0');
        const auto local = *dir_ / "wrong.bin";
        auto r = download_file(*session_, remote_, local, down);
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.find("failed verification") != std::string::npos,
                 r.error().message.c_str());
        QVERIFY(!std::filesystem::exists(local));
    }

    void cleanupTestCase() {
        if (session_ && session_->connected()) (void)run_script(*session_, "rm -rf streams");
        session_.reset();
    }
};

QTEST_GUILESS_MAIN(TestSftpStreams)
#include "test_sftp_streams.moc"
