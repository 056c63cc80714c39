// shared/util: shell quoting survives a real shell, SHA-256 matches known vectors, atomic writes.
#include "common/h5_fixtures.hpp"
#include "util/atomic_file.hpp"
#include "util/json_text.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"
#include "util/shell_quote.hpp"
#include "util/transfer_meter.hpp"
#include "util/utf8.hpp"

#include <QtTest>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace sluice;

namespace {

// Run `printf %s <quoted>` in /bin/sh and return what it printed.
std::string through_shell(const std::string& value) {
    const std::string cmd = "printf %s " + shell_quote(value);
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[256];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    ::pclose(p);
    return out;
}

} // namespace

class TestUtil : public QObject {
    Q_OBJECT
private slots:
    void quotingKeepsHostileValuesLiteral_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << "Raw_Data";
        QTest::newRow("spaces") << "my data file.h5";
        QTest::newRow("single quote") << "it's";
        QTest::newRow("double quote") << "say \"hi\"";
        QTest::newRow("command substitution") << "$(touch /tmp/sluice-pwned)";
        QTest::newRow("backticks") << "`id`";
        QTest::newRow("variables") << "$HOME ${PATH}";
        QTest::newRow("newline") << "a\nb";
        QTest::newRow("glob") << "*.h5 ?";
        QTest::newRow("non-ascii") << QString::fromUtf8("Messung_ÄÖÜ_µm_日本");
        QTest::newRow("empty") << "";
        QTest::newRow("semicolon") << "x; rm -rf /tmp/nothing";
    }
    void quotingKeepsHostileValuesLiteral() {
        QFETCH(QString, value);
        const std::string v = value.toStdString();
        QCOMPARE(QString::fromStdString(through_shell(v)), value);
    }
    void joinQuotesEveryWord() {
        QCOMPARE(QString::fromStdString(shell_join({"mpirun", "-np", "2", "a b"})),
                 QStringLiteral("'mpirun' '-np' '2' 'a b'"));
    }
    void sha256KnownVectors() {
        QCOMPARE(QString::fromStdString(sha256_hex("")),
                 QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(QString::fromStdString(sha256_hex("abc")),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
    void sha256FileEqualsStreamingHash() {
        test::TempDir dir;
        std::string big(200000, '\0');
        for (size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<char>(i * 31 % 251);
        std::ofstream(dir / "f.bin", std::ios::binary) << big;
        auto h = sha256_file(dir / "f.bin");
        QVERIFY(h.has_value());
        QCOMPARE(*h, sha256_hex(big));
        auto missing = sha256_file(dir / "nope");
        QVERIFY(!missing.has_value());
        QVERIFY(missing.error().message.find("nope") != std::string::npos);
    }
    void utf8IsCheckedByteForByte_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("first_bad"); // -1: valid
        QTest::newRow("ascii") << QByteArray("Raw_Data") << -1;
        QTest::newRow("two, three and four bytes") << QByteArray("µ日😀") << -1;
        QTest::newRow("latin-1 é") << QByteArray("out\xe9.h5") << 3;
        QTest::newRow("lone continuation") << QByteArray("a\x80") << 1;
        QTest::newRow("truncated sequence") << QByteArray("ab\xe6\x97") << 2;
        QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << 0;
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << 0;
        QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << 0;
    }
    void utf8IsCheckedByteForByte() {
        QFETCH(QByteArray, text);
        QFETCH(int, first_bad);
        const auto bad =
            first_invalid_utf8(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
        QCOMPARE(bad ? static_cast<int>(*bad) : -1, first_bad);
    }
    void invalidUtf8IsRefusedByNameAndNeverThrowsInJson() {
        const std::string latin1 = "/s\xe9";
        auto st = require_utf8(latin1, "scratch_dir");
        QVERIFY(!st);
        QCOMPARE(st.error().kind, ErrorKind::bad_input);
        QVERIFY2(st.error().message.find(
                     "scratch_dir \"/s\xEF\xBF\xBD\" is not valid UTF-8 (byte 0xE9 at offset 2)") !=
                     std::string::npos,
                 st.error().message.c_str());
        nlohmann::json j{{"path", latin1}};
        QCOMPARE(json_text(j), std::string("{\"path\":\"/s\xEF\xBF\xBD\"}")); // dump() would throw
    }
    void terminalTextDisarmsEscapes() {
        QCOMPARE(terminal_text("Password: \x1b]0;owned\x07\x1b[2J"),
                 std::string("Password: \\x1b]0;owned\\x07\\x1b[2J"));
        QCOMPARE(terminal_text("C1 \xc2\x9b"
                               "31m"),
                 std::string("C1 \\x9b31m"));
        QCOMPARE(terminal_text("line 1\nline 2\tend"), std::string("line 1\nline 2\tend"));
        QCOMPARE(terminal_text("line 1\nline 2", false), std::string("line 1\\nline 2"));
        QCOMPARE(terminal_text("caf\xe9"), std::string("caf\xEF\xBF\xBD"));
        QCOMPARE(terminal_text("Grüße µm"), std::string("Grüße µm"));
    }
    void orphanedTemporariesGoLiveOnesStay() {
        test::TempDir dir;
        // A pid that is certainly gone: a child that has been reaped.
        const pid_t gone = ::fork();
        if (gone == 0) ::_exit(0);
        QVERIFY(gone > 0);
        int status = 0;
        ::waitpid(gone, &status, 0);
        QVERIFY(!process_exists(gone));
        QVERIFY(process_exists(::getpid()));
        // A killed writer nobody has reaped yet (a zombie) has ended too: kill(pid, 0) alone says it exists.
        const pid_t zombie = ::fork();
        if (zombie == 0) ::_exit(0);
        QVERIFY(zombie > 0);
        siginfo_t info{};
        QCOMPARE(::waitid(P_PID, static_cast<id_t>(zombie), &info, WEXITED | WNOWAIT),
                 0); // ended, not reaped
        QCOMPARE(::kill(zombie, 0), 0);
        QVERIFY(!process_exists(zombie));
        ::waitpid(zombie, &status, 0);
        const auto prefix = std::string(".data.h5.merging-");
        std::ofstream(dir / (prefix + std::to_string(gone))) << "stale copy";
        std::ofstream(dir / (prefix + std::to_string(::getpid()))) << "a merge under way";
        std::ofstream(dir / (prefix + "12x")) << "not ours";
        std::filesystem::create_symlink(dir / "target", dir / (prefix + std::to_string(gone + 1000000)));
        QCOMPARE(remove_orphaned_temporaries(dir.path(), prefix), 1);
        QVERIFY(!std::filesystem::exists(dir / (prefix + std::to_string(gone))));
        QVERIFY(std::filesystem::exists(dir / (prefix + std::to_string(::getpid()))));
        QVERIFY(std::filesystem::exists(dir / (prefix + "12x")));
    }
    void atomicWriteReplacesWholeFile() {
        test::TempDir dir;
        const auto p = dir / "progress.json";
        QVERIFY(write_file_atomically(p, "{\"state\":\"starting\"}").has_value());
        QVERIFY(write_file_atomically(p, "{\"state\":\"done\"}").has_value());
        std::ifstream in(p);
        std::stringstream ss;
        ss << in.rdbuf();
        QCOMPARE(ss.str(), std::string("{\"state\":\"done\"}"));
        int files = 0;
        for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path()))
            ++files;
        QCOMPARE(files, 1); // no temp file left behind
    }
    void atomicWriteIntoMissingDirectoryFails() {
        test::TempDir dir;
        auto r = write_file_atomically(dir / "no/such/dir/x.json", "{}");
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::io);
    }

    void transferRateAndTimeLeftFollowTheReports() {
        using namespace std::chrono;
        const TransferMeter::Clock::time_point t0{};
        const std::uint64_t MiB = 1 << 20;
        TransferMeter meter(seconds(5));
        auto r = meter.update(0, 100 * MiB, t0);
        QVERIFY(!r.bytes_per_second); // one report tells no rate
        QCOMPARE(describe_transfer(r), std::string("0 bytes of 100 MiB"));
        r = meter.update(10 * MiB, 100 * MiB, t0 + seconds(1));
        QCOMPARE(*r.bytes_per_second, 10.0 * MiB);
        QCOMPARE(r.left->count(), 9);
        QCOMPARE(describe_transfer(r), std::string("10 MiB of 100 MiB · 10 MiB/s · 9 s left"));
        // The network slows to 1 MiB/s: after the 5 s window only the slow reports count.
        for (int s = 2; s <= 8; ++s)
            r = meter.update((10 + static_cast<std::uint64_t>(s - 1)) * MiB, 100 * MiB, t0 + seconds(s));
        QCOMPARE(*r.bytes_per_second, 1.0 * MiB);
        QCOMPARE(r.left->count(), 83);
        QCOMPARE(describe_transfer(r), std::string("17 MiB of 100 MiB · 1 MiB/s · 1 min 23 s left"));
        // A report that goes backwards is a new transfer (a resumed .part): no rate until the next one.
        r = meter.update(5 * MiB, 100 * MiB, t0 + seconds(9));
        QVERIFY(!r.bytes_per_second);
        r = meter.update(100 * MiB, 100 * MiB, t0 + seconds(10));
        QCOMPARE(*r.bytes_per_second, 95.0 * MiB);
        QCOMPARE(describe_transfer(r), std::string("100 MiB of 100 MiB · 95 MiB/s")); // nothing left
        QCOMPARE(short_duration(seconds(7265)), std::string("2 h 01 min"));
    }
};

QTEST_GUILESS_MAIN(TestUtil)
#include "test_util.moc"
