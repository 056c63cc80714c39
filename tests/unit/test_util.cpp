// shared/util: shell quoting survives a real shell, SHA-256 matches known vectors, atomic writes.
#include <QtTest>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/h5_fixtures.hpp"
#include "util/atomic_file.hpp"
#include "util/sha256.hpp"
#include "util/shell_quote.hpp"

using namespace sluice;

namespace {

// Run `printf %s <quoted>` in /bin/sh and return what it printed.
std::string through_shell(const std::string& value) {
    const std::string cmd = "printf %s " + shell_quote(value);
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[256];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
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
        for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
        std::ofstream(dir / "f.bin", std::ios::binary) << big;
        auto h = sha256_file(dir / "f.bin");
        QVERIFY(h.has_value());
        QCOMPARE(*h, sha256_hex(big));
        auto missing = sha256_file(dir / "nope");
        QVERIFY(!missing.has_value());
        QVERIFY(missing.error().message.find("nope") != std::string::npos);
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
        for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
        QCOMPARE(files, 1); // no temp file left behind
    }
    void atomicWriteIntoMissingDirectoryFails() {
        test::TempDir dir;
        auto r = write_file_atomically(dir / "no/such/dir/x.json", "{}");
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::io);
    }
};

QTEST_GUILESS_MAIN(TestUtil)
#include "test_util.moc"
