// The connection dies mid-upload, for real: at a random offset the progress callback SIGKILLs this
// connection's server processes (the listener's child for it and everything below). The upload fails,
// the Session reconnects, and the next attempt continues from what reached the server's .part and ends
// with the local file's hash. The same over four SFTP streams, both ways: the upload resumes
// kUploadFrontier before the end of the .part (whatever holes the streams left lie beyond it) and
// passes verification at once; the download's .part is at least what was reported.
// SLUICE_TEST_SEED=<seed printed by the test> repeats a run's offsets.
#include "cluster_env.hpp"
#include "remote/remote_checksum.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "remote/sftp_download.hpp"
#include "remote/sftp_streams.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"

#include <QtTest>
#include <csignal>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

using namespace sluice;
using namespace sluice::remote;

namespace {

constexpr std::uint64_t kSize = 48ull * 1000 * 1000 + 17;
constexpr int kRounds = 6;
constexpr std::uint64_t kLargeSize = kParallelMinBytes + 40ull * 1000 * 1000 + 5;
constexpr int kStreamRounds = 2;

pid_t parent_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

/// `pid` and all its descendants, parents before children.
std::vector<pid_t> process_tree(pid_t pid) {
    std::vector<pid_t> tree{pid};
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const auto task_dir = "/proc/" + std::to_string(tree[i]) + "/task";
        std::error_code ec;
        for (const auto& task : std::filesystem::directory_iterator(task_dir, ec)) {
            std::ifstream children(task.path() / "children");
            for (pid_t child; children >> child;)
                tree.push_back(child);
        }
    }
    return tree;
}

unsigned seed_from_env() {
    if (const char* s = std::getenv("SLUICE_TEST_SEED")) return static_cast<unsigned>(std::stoul(s));
    return std::random_device{}();
}

} // namespace

class TestSftpKillResume : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;
    std::filesystem::path local_;
    std::string local_sha256_;
    std::filesystem::path large_;
    std::string large_sha256_;
    pid_t listener_ = 0;

    /// The listener's child that serves this Session's connection ("sshd: user [priv]"): an ancestor of
    /// the process that runs our scripts.
    pid_t connection_process() {
        auto r = run_script(*session_, "echo \"$PPID\"");
        if (!r || r->exit_status != 0) return 0;
        for (pid_t p = std::stoi(r->out); p > 1; p = parent_of(p))
            if (parent_of(p) == listener_) return p;
        return 0;
    }

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        std::ifstream(env_["SSH_PID_FILE"]) >> listener_;
        QVERIFY(listener_ > 1);
        SLUICE_KEY_SESSION(env_, dir_, session_);
        local_ = *dir_ / "source.bin";
        test::write_bytes(local_, test::byte_pattern(kSize, 11));
        local_sha256_ = *sha256_file(local_);
        large_ = *dir_ / "large.bin";
        test::write_bytes(large_, test::byte_pattern(kLargeSize, 12));
        large_sha256_ = *sha256_file(large_);
    }

    /// A progress callback that kills this connection's server processes once `kill_at` is reached.
    std::function<void(std::uint64_t, std::uint64_t)> killer(std::uint64_t kill_at,
                                                             std::uint64_t& killed_at) {
        const pid_t connection = connection_process();
        return [this, connection, kill_at, &killed_at](std::uint64_t done, std::uint64_t) {
            if (killed_at != 0 || done < kill_at) return;
            killed_at = done;
            for (pid_t p : process_tree(connection))
                ::kill(p, SIGKILL);
        };
    }

    void resumesAfterTheServerIsKilled() {
        const unsigned seed = seed_from_env();
        qInfo("seed %u (rerun with SLUICE_TEST_SEED=%u for the same kill offsets)", seed, seed);
        std::mt19937_64 random(seed);
        // Far enough in that some data has surely reached the file, and far enough before the end that
        // the writes still in flight (progress counts acknowledged ones) cannot complete it.
        std::uniform_int_distribution<std::uint64_t> pick(4ull << 20, kSize - (4ull << 20));

        for (int round = 0; round < kRounds; ++round) {
            const std::uint64_t kill_at = pick(random);
            const std::string remote = "killed/round " + std::to_string(round) + ".bin";
            const pid_t connection = connection_process();
            QVERIFY2(connection > 1, "the connection's server process was not found");

            UploadOptions options;
            std::uint64_t killed_at = 0;
            options.progress = [&](std::uint64_t done, std::uint64_t) {
                if (killed_at != 0 || done < kill_at) return;
                killed_at = done;
                for (pid_t p : process_tree(connection))
                    ::kill(p, SIGKILL);
            };
            auto failed = upload_file(*session_, local_, remote, options);
            QVERIFY2(killed_at >= kill_at, "the upload ended before the kill offset");
            QVERIFY2(!failed.has_value(), "an upload survived the kill of its server");
            QCOMPARE(failed.error().kind, ErrorKind::io);

            auto st = session_->ensure_connected();
            QVERIFY2(st.has_value(), st ? "" : st.error().message.c_str());
            auto r = upload_file(*session_, local_, remote);
            QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
            qInfo("round %d: killed at %llu, resumed from %llu of %llu", round,
                  static_cast<unsigned long long>(killed_at),
                  static_cast<unsigned long long>(r->resumed_from), static_cast<unsigned long long>(kSize));
            QVERIFY(r->resumed_from > 0);
            QVERIFY(r->resumed_from < kSize);
            // Progress counts acknowledged writes: the server may hold what was still in flight too.
            QVERIFY(r->resumed_from <= killed_at + kUploadRequests * kTransferChunk);
            QCOMPARE(r->sent, kSize - r->resumed_from);
            QCOMPARE(r->sha256, local_sha256_);
            auto remote_hash = remote_sha256(*session_, remote);
            QVERIFY2(remote_hash.has_value(), remote_hash ? "" : remote_hash.error().message.c_str());
            QCOMPARE(*remote_hash, local_sha256_);
            auto rm = run_script(*session_, "rm -f -- \"$1\"", {remote});
            QVERIFY(rm && rm->exit_status == 0);
        }
    }

    void resumesManyStreamsAfterTheServerIsKilled() {
        const unsigned seed = seed_from_env();
        qInfo("seed %u (rerun with SLUICE_TEST_SEED=%u for the same kill offsets)", seed, seed);
        std::mt19937_64 random(seed);
        // Beyond the frontier and what four streams have in flight, so that some of the .part is kept.
        std::uniform_int_distribution<std::uint64_t> pick(56ull << 20, kLargeSize - (2ull << 20));
        for (int round = 0; round < kStreamRounds; ++round) {
            const std::string remote = "killed/streams " + std::to_string(round) + ".bin";
            UploadOptions up;
            up.streams = 4;
            std::uint64_t killed_at = 0;
            const std::uint64_t kill_at = pick(random);
            up.progress = killer(kill_at, killed_at);
            auto failed = upload_file(*session_, large_, remote, up);
            QVERIFY2(killed_at >= kill_at, "the upload ended before the kill offset");
            QVERIFY2(!failed.has_value(), "an upload survived the kill of its server");
            QVERIFY(session_->ensure_connected().has_value());
            UploadOptions again;
            again.streams = 4;
            auto r = upload_file(*session_, large_, remote, again);
            QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
            qInfo("upload round %d: killed at %llu, resumed from %llu of %llu", round,
                  static_cast<unsigned long long>(killed_at),
                  static_cast<unsigned long long>(r->resumed_from),
                  static_cast<unsigned long long>(kLargeSize));
            QCOMPARE(r->streams, 4);
            QVERIFY(r->resumed_from > 0);
            // Nothing is in flight beyond kUploadFrontier past the acknowledged bytes, so the server's
            // .part less kUploadFrontier is no more than what was acknowledged at the kill.
            QVERIFY(r->resumed_from <= killed_at);
            QCOMPARE(r->sent, kLargeSize - r->resumed_from); // verified at the first attempt
            QCOMPARE(*remote_sha256(*session_, remote), large_sha256_);

            const auto local = *dir_ / ("back " + std::to_string(round) + ".bin");
            DownloadOptions down;
            down.streams = 4;
            killed_at = 0;
            down.progress = killer(pick(random), killed_at);
            auto lost = download_file(*session_, remote, local, down);
            QVERIFY2(!lost.has_value(), "a download survived the kill of its server");
            QVERIFY(session_->ensure_connected().has_value());
            DownloadOptions down_again;
            down_again.streams = 4;
            auto back = download_file(*session_, remote, local, down_again);
            QVERIFY2(back.has_value(), back ? "" : back.error().message.c_str());
            qInfo("download round %d: killed at %llu, resumed from %llu", round,
                  static_cast<unsigned long long>(killed_at),
                  static_cast<unsigned long long>(back->resumed_from));
            // What libssh had already received when the server died is kept too.
            QVERIFY(back->resumed_from >= killed_at);
            QCOMPARE(back->received, kLargeSize - back->resumed_from);
            QCOMPARE(back->sha256, large_sha256_);
            QCOMPARE(*sha256_file(local), large_sha256_);
            auto rm = run_script(*session_, "rm -f -- \"$1\"", {remote});
            QVERIFY(rm && rm->exit_status == 0);
        }
    }

    void cleanupTestCase() {
        if (session_ && session_->ensure_connected()) (void)run_script(*session_, "rm -rf killed");
        session_.reset();
    }
};

QTEST_GUILESS_MAIN(TestSftpKillResume)
#include "test_sftp_kill_resume.moc"
