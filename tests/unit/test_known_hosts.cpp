// shared/remote known_hosts reading and writing, and HashKnownHosts from ssh_config text: markers,
// patterns, hashed names (against a vector from an independent HMAC-SHA1), revoked keys, appending.
#include "common/h5_fixtures.hpp"
#include "remote/hash_known_hosts.hpp"
#include "remote/known_hosts.hpp"

#include <QtTest>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace sluice;
using namespace sluice::remote;
namespace fs = std::filesystem;

namespace {

constexpr const char* ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
constexpr const char* other = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";

std::vector<std::uint8_t> blob(const char* base64) {
    return base64_decode(base64).value();
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestKnownHosts : public QObject {
    Q_OBJECT
private slots:
    void parsesMarkersCommentsAndSkipsMalformedLines() {
        const std::string text = std::string("# comment\n\n") + "host1,host2 ssh-ed25519 " + ed25519 +
                                 " a comment\r\n" + "@revoked * ssh-ed25519 " + other + "\n" +
                                 "@cert-authority *.lan ssh-ed25519 " + ed25519 + "\n" +
                                 "@unknown-marker h ssh-ed25519 " + ed25519 + "\n" + "onlyhost\n" +
                                 "h ssh-ed25519 not!base64\n" + "\th2 ssh-ed25519 " + other;
        const auto e = parse_known_hosts(text);
        QCOMPARE(e.size(), std::size_t(4));
        QCOMPARE(e[0].hosts, std::string("host1,host2"));
        QCOMPARE(e[0].line, 3);
        QVERIFY(e[0].key == blob(ed25519));
        QVERIFY(e[1].marker == KnownHostsEntry::Marker::revoked);
        QCOMPARE(e[1].hosts, std::string("*"));
        QVERIFY(e[2].marker == KnownHostsEntry::Marker::cert_authority);
        QCOMPARE(e[3].hosts, std::string("h2"));
        QCOMPARE(e[3].line, 9);
    }

    void patternsMatchAsSshDoes() {
        QVERIFY(host_matches("a.lan,b.lan", "b.lan"));
        QVERIFY(host_matches("*.lan", "Node1.LAN"));
        QVERIFY(host_matches("node?.lan", "node7.lan"));
        QVERIFY(!host_matches("node?.lan", "node17.lan"));
        QVERIFY(!host_matches("*.lan,!bad.lan", "bad.lan"));
        QVERIFY(host_matches("*.lan,!bad.lan", "good.lan"));
        QVERIFY(host_matches("[127.0.0.1]:2222", "[127.0.0.1]:2222"));
        QVERIFY(!host_matches("127.0.0.1", "[127.0.0.1]:2222"));
        QVERIFY(!host_matches("", "host"));
        // Backtracking stays linear: this would take minutes with a naive recursive matcher.
        QVERIFY(!host_matches(std::string(40, '*') + "b", std::string(4000, 'a')));
    }

    void hashedNamesMatchTheHmacOfTheName() {
        std::vector<std::uint8_t> salt(20);
        for (std::size_t i = 0; i < salt.size(); ++i)
            salt[i] = static_cast<std::uint8_t>(i);
        // Vector from Python's hmac module: HMAC-SHA1(bytes(range(20)), b"[node1.example.org]:2222").
        const std::string expected = "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|M7+4irUtkZh02iSLTM7j9Pi6cCQ=";
        QCOMPARE(hash_host_name("[node1.example.org]:2222", salt), expected);
        QCOMPARE(hash_host_name("[NODE1.example.org]:2222", salt), expected); // ssh lowercases first
        QVERIFY(host_matches(expected, "[node1.example.org]:2222"));
        QVERIFY(!host_matches(expected, "node1.example.org"));
        QVERIFY(!host_matches("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|garbage", "[node1.example.org]:2222"));
        auto fresh = hash_host_name("h");
        QVERIFY(fresh.has_value());
        QVERIFY(fresh->starts_with("|1|"));
        QVERIFY(*fresh != hash_host_name("h").value()); // a new salt each time
        QVERIFY(host_matches(*fresh, "h"));
    }

    void base64RoundTripsAndRefusesGarbage() {
        for (std::size_t n = 0; n < 8; ++n) {
            std::vector<std::uint8_t> v(n, 0xA5);
            QVERIFY(base64_decode(base64_encode(v)) == v);
        }
        QVERIFY(!base64_decode("abc"));
        QVERIFY(!base64_decode("a==="));
        QVERIFY(!base64_decode("ab=c"));
        QVERIFY(!base64_decode("ab==abcd"));
    }

    void revokedKeyIsFoundForItsHostOnly() {
        test::TempDir dir;
        const auto user = dir / "known_hosts", global = dir / "global";
        std::ofstream(user) << "h ssh-ed25519 " << ed25519 << "\n";
        std::ofstream(global) << "# site-wide\n@revoked *.lan,!safe.lan ssh-ed25519 " << ed25519 << "\n";
        auto r = find_revoked({user, global, dir / "missing"}, "n1.lan", blob(ed25519));
        QVERIFY(r.has_value());
        QVERIFY(r->has_value());
        QCOMPARE((*r)->file, global);
        QCOMPARE((*r)->line, 2);
        QVERIFY(!find_revoked({user, global}, "safe.lan", blob(ed25519)).value());
        QVERIFY(!find_revoked({user, global}, "n1.lan", blob(other)).value());
    }

    void appendCreatesPrivateFileOnANewLine() {
        test::TempDir dir;
        const auto file = dir / "ssh" / "known_hosts";
        QVERIFY(append_known_host(file, "h1", "ssh-ed25519", blob(ed25519)).has_value());
        struct stat st {};
        QCOMPARE(::stat(file.c_str(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        QCOMPARE(::stat(file.parent_path().c_str(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0700u);
        std::ofstream(file, std::ios::app) << "# no newline at the end";
        QVERIFY(append_known_host(file, "h2", "ssh-ed25519", blob(other)).has_value());
        const auto entries = parse_known_hosts(slurp(file));
        QCOMPARE(entries.size(), std::size_t(2));
        QCOMPARE(entries[1].hosts, std::string("h2"));
        QVERIFY(entries[1].key == blob(other));
    }

    void hashKnownHostsFollowsTheSessionsConfig() {
        test::TempDir dir;
        SessionOptions o;
        o.host = "node1.lan";
        o.port = 2222;
        o.ssh_config = dir / "config";
        // A Match line only ssh itself evaluates: with ssh installed, its answer wins.
        std::ofstream(o.ssh_config)
            << "Match host node1.lan\n  HashKnownHosts yes\nHost *\n  HashKnownHosts no\n";
        const bool has_ssh = std::system("command -v ssh >/dev/null 2>&1") == 0;
        QCOMPARE(hash_known_hosts(o), has_ssh);
        std::ofstream(o.ssh_config) << "Host *.lan\n  HashKnownHosts yes\n";
        QVERIFY(hash_known_hosts(o));
        std::ofstream(o.ssh_config) << "Host other\n  HashKnownHosts yes\n";
        QVERIFY(!hash_known_hosts(o));
    }

    void hashKnownHostsFromConfigText() {
        QCOMPARE(hash_known_hosts_in_config("", "h"), std::optional<bool>());
        QCOMPARE(hash_known_hosts_in_config("HashKnownHosts yes\n", "h"), std::optional<bool>(true));
        // Debian's /etc/ssh/ssh_config
        QCOMPARE(hash_known_hosts_in_config("Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n", "h"),
                 std::optional<bool>(true));
        const std::string config = "Host *.lan !skip.lan\n  hashknownhosts=no\n"
                                   "Match host x exec \"true\"\n  HashKnownHosts no\n"
                                   "Host *\n  HashKnownHosts \"yes\"\n";
        QCOMPARE(hash_known_hosts_in_config(config, "n1.lan"), std::optional<bool>(false));
        QCOMPARE(hash_known_hosts_in_config(config, "skip.lan"), std::optional<bool>(true));
        QCOMPARE(hash_known_hosts_in_config(config, "x"), std::optional<bool>(true)); // Match not evaluated
        QCOMPARE(hash_known_hosts_in_config("Host a\nHashKnownHosts maybe\nHost *\nHashKnownHosts no\n", "a"),
                 std::optional<bool>(false));
    }
};

QTEST_GUILESS_MAIN(TestKnownHosts)
#include "test_known_hosts.moc"
