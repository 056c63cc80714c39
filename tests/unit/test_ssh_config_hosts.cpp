// ~/.ssh/config's hosts for "Import from SSH config…" (shared/remote/ssh_config_hosts.hpp), on crafted
// files: first value wins across matching Host blocks, wildcards and negations, Match blocks skipped,
// Include followed (relative, ~/, wildcards, loops), non-UTF-8 bytes, huge files and long lines.
#include "common/h5_fixtures.hpp"
#include "remote/ssh_config_hosts.hpp"

#include <QtTest>
#include <fstream>

using namespace sluice;
using namespace sluice::remote;
namespace fs = std::filesystem;

namespace {

SshConfigHosts parse(std::string_view text) {
    return parse_ssh_config(text, "/nonexistent/.ssh/config", "/nonexistent/.ssh", "/nonexistent");
}

const SshConfigHost* find(const SshConfigHosts& all, std::string_view alias) {
    for (const auto& h : all.hosts)
        if (h.alias == alias) return &h;
    return nullptr;
}

QStringList aliases(const SshConfigHosts& all) {
    QStringList out;
    for (const auto& h : all.hosts)
        out << QString::fromStdString(h.alias);
    return out;
}

} // namespace

class TestSshConfigHosts : public QObject {
    Q_OBJECT
    test::TempDir dir_;

private slots:
    void hostsWithTheirEffectiveValues() {
        const auto all = parse(R"(# a comment
User everyone
Host hpc hpc-alt
    HostName login.hpc.example.org
    # ssh takes the first value it finds
    User alice
    User bob
    Port 2222
Host *.example.org
    User carol
Host web.example.org
    HostName=%h.internal
Host "quoted"
  Port = 22022
Host *
  Port 22
  User dave
)");
        QCOMPARE(aliases(all), (QStringList{"hpc", "hpc-alt", "web.example.org", "quoted"}));
        const auto* hpc = find(all, "hpc");
        QVERIFY(hpc);
        QCOMPARE(hpc->host_name, std::string("login.hpc.example.org"));
        QCOMPARE(hpc->user, std::string("everyone")); // before any Host: every host, and first
        QCOMPARE(hpc->port, std::optional(2222));
        QCOMPARE(find(all, "hpc-alt")->host_name, std::string("login.hpc.example.org"));
        const auto* web = find(all, "web.example.org");
        QCOMPARE(web->host_name, std::string("web.example.org.internal"));
        QCOMPARE(web->port, std::optional(22));
        QCOMPARE(find(all, "quoted")->port, std::optional(22022));
        QVERIFY(find(all, "quoted")->host_name.empty());
    }

    void wildcardsNegationsAndMatchAreNotHosts() {
        const auto all = parse(R"(Host * !bastion
  User x
Host gpu? node-*
  User y
Host bastion
  HostName b.example.org
Match host bastion exec "true"
  User root
  Port 1
Host -oProxyCommand=evil $(id) ok.example
  Port 99999
  Port 23
)");
        QCOMPARE(aliases(all), (QStringList{"bastion", "ok.example"}));
        const auto* b = find(all, "bastion");
        QVERIFY(b->user.empty()); // `* !bastion` excludes it; the Match block is not evaluated
        QVERIFY(!b->port.has_value());
        QVERIFY(!find(all, "ok.example")->port.has_value()); // 99999 came first and is no port
        QCOMPARE(all.notes.size(), std::size_t(2));          // "-oProxy..." and "$(id)" skipped, said so
    }

    void includeIsFollowed() {
        const auto ssh = dir_ / ".ssh";
        fs::create_directories(ssh / "conf.d");
        std::ofstream(ssh / "config") << "Include conf.d/*.conf\nInclude ~/.ssh/extra missing-file\n"
                                         "Host main\n  Include ../.ssh/in-block\n  Port 2200\n"
                                         "Include config\n";
        std::ofstream(ssh / "conf.d" / "a.conf") << "Host a\n  HostName a.example.org\n";
        std::ofstream(ssh / "conf.d" / "b.conf") << "Host b\n  User bee\n";
        std::ofstream(ssh / "extra") << "Host extra\n  Port 2022\n";
        std::ofstream(ssh / "in-block") << "User inner\n";
        const auto all = read_ssh_config(ssh / "config", dir_.path());
        QCOMPARE(aliases(all), (QStringList{"a", "b", "extra", "main"}));
        QCOMPARE(find(all, "a")->host_name, std::string("a.example.org"));
        QCOMPARE(find(all, "b")->user, std::string("bee"));
        QCOMPARE(find(all, "extra")->port, std::optional(2022));
        // Lines included inside a Host block belong to it, and the block goes on after them.
        QCOMPARE(find(all, "main")->user, std::string("inner"));
        QCOMPARE(find(all, "main")->port, std::optional(2200));
        QVERIFY(!find(all, "a")->port.has_value());
        // Including itself ends at the depth limit, with a note, not in a loop.
        QVERIFY(!all.notes.empty());
    }

    void nonUtf8AndHugeFiles() {
        const auto all = parse("Host caf\xe9\nHost ok\n  HostName h\xff\xfe.example\n  User \xc3\x28\n");
        QCOMPARE(aliases(all), (QStringList{"ok"}));
        const auto* ok = find(all, "ok");
        QVERIFY(QString::fromUtf8(ok->host_name.c_str()).contains(QChar(0xfffd)));
        QVERIFY(QString::fromUtf8(ok->user.c_str()).contains(QChar(0xfffd)));

        // A file larger than the limit is read up to it; a very long line is one line.
        const auto big = dir_ / "big";
        {
            std::ofstream out(big);
            out << "Host first\n  Port 2\n# " << std::string(3 << 20, 'x') << "\nHost "
                << std::string(5000, 'y') << "\n";
            for (int i = 0; i < 200000; ++i)
                out << "Host late" << i << "\n";
        }
        const auto huge = read_ssh_config(big, dir_.path());
        QCOMPARE(aliases(huge), (QStringList{"first"}));
        QCOMPARE(huge.hosts.front().port, std::optional(2));
        QCOMPARE(huge.notes.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(huge.notes.front()).contains("only its start was read"));

        // Nothing there: nothing to import, nothing to say.
        const auto none = read_ssh_config(dir_ / "no-such-config", dir_.path());
        QVERIFY(none.hosts.empty() && none.notes.empty());
        QVERIFY(parse("").hosts.empty());
        QVERIFY(parse(std::string("Host a\0b\n", 9)).hosts.empty());
    }
};

QTEST_GUILESS_MAIN(TestSshConfigHosts)
#include "test_ssh_config_hosts.moc"
