// Host keys against a real sshd: unknown keys are offered with their SHA-256 fingerprint and stored
// (hashed when ssh_config says HashKnownHosts yes), hashed known_hosts entries are honoured, a changed or
// @revoked key is refused without asking.
#include "cluster_env.hpp"
#include "remote/session.hpp"

#include <QtTest>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace sluice;
using namespace sluice::remote;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Second field of a public key file: the base64 key itself.
std::string key_base64(const std::filesystem::path& pub) {
    std::ifstream in(pub);
    std::string type, base64;
    in >> type >> base64;
    return base64;
}

} // namespace

class TestSshHostKey : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;

    SessionCallbacks key_login() const {
        return {}; // the key comes from SessionOptions::identity_files; nothing to ask
    }
    SessionOptions options(const test::TempDir& dir, bool trust_host) const {
        auto o = test::isolated_options(env_, dir, env_.port(), trust_host);
        o.identity_files = {env_["SSH_KEY"]};
        return o;
    }

    /// Connects expecting a refusal that names `word` and the server's fingerprint, with nobody asked;
    /// the message, or "FAIL: why".
    std::string refusedWithoutAsking(const SessionOptions& o, const std::string& word) const {
        int asked = 0;
        auto callbacks = key_login();
        callbacks.accept_host_key = [&](const UnknownHostKey&) { return ++asked, true; };
        auto session = Session::connect(o, callbacks);
        if (session.has_value()) return "FAIL: connected";
        const auto& msg = session.error().message;
        if (asked != 0) return "FAIL: asked: " + msg;
        if (session.error().kind != ErrorKind::refused) return "FAIL: not a refusal: " + msg;
        if (msg.find(word) == std::string::npos || msg.find(env_["SSH_HOST_KEY_SHA256"]) == std::string::npos)
            return "FAIL: unclear: " + msg;
        return msg;
    }

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        ::unsetenv("SSH_AUTH_SOCK");
    }

    void unknownKeyIsOfferedWithFingerprintThenStored() {
        test::TempDir dir;
        int asked = 0;
        UnknownHostKey offered;
        auto callbacks = key_login();
        callbacks.accept_host_key = [&](const UnknownHostKey& k) {
            ++asked;
            offered = k;
            return true;
        };
        auto session = Session::connect(options(dir, false), callbacks);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(asked, 1);
        QCOMPARE(offered.sha256_fingerprint, env_["SSH_HOST_KEY_SHA256"]);
        QCOMPARE(offered.key_type, std::string("ssh-ed25519"));
        QCOMPARE(offered.host, "[" + env_["SSH_HOST"] + "]:" + std::to_string(env_.port()));
        QCOMPARE(offered.port, env_.port());
        QVERIFY(slurp(dir / "known_hosts").find(key_base64(env_["SSH_HOST_KEY_PUB"])) != std::string::npos);

        // Stored: the next login does not ask.
        auto again = Session::connect(options(dir, false), callbacks);
        QVERIFY2(again.has_value(), again ? "" : again.error().message.c_str());
        QCOMPARE(asked, 1);
    }

    void unknownKeyNotTrustedIsNotStored() {
        test::TempDir dir;
        auto callbacks = key_login();
        callbacks.accept_host_key = [](const UnknownHostKey&) { return false; };
        auto session = Session::connect(options(dir, false), callbacks);
        QVERIFY(!session.has_value());
        QCOMPARE(session.error().kind, ErrorKind::cancelled);
        QVERIFY(!std::filesystem::exists(dir / "known_hosts") || slurp(dir / "known_hosts").empty());
    }

    void unknownKeyWithoutCallbackIsRefused() {
        test::TempDir dir;
        auto session = Session::connect(options(dir, false), key_login());
        QVERIFY(!session.has_value());
        QCOMPARE(session.error().kind, ErrorKind::refused);
        QVERIFY(session.error().message.find(env_["SSH_HOST_KEY_SHA256"]) != std::string::npos);
    }

    void hashedEntryIsRecognised() {
        test::TempDir dir;
        auto o = options(dir, true);
        QCOMPARE(std::system(("ssh-keygen -q -H -f " + o.known_hosts.string() + " >/dev/null 2>&1").c_str()),
                 0);
        QVERIFY(slurp(o.known_hosts).starts_with("|1|"));
        auto callbacks = key_login();
        callbacks.accept_host_key = [](const UnknownHostKey&) {
            qWarning("asked about a host key that a hashed entry holds");
            return false;
        };
        auto session = Session::connect(o, callbacks);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
    }

    void hashKnownHostsYesStoresAHashedEntry() {
        test::TempDir dir;
        auto o = options(dir, false);
        std::ofstream(o.ssh_config) << "Host *\n    HashKnownHosts yes\n";
        int asked = 0;
        auto callbacks = key_login();
        callbacks.accept_host_key = [&](const UnknownHostKey&) { return ++asked, true; };
        auto session = Session::connect(o, callbacks);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        const auto stored = slurp(o.known_hosts);
        QVERIFY2(stored.starts_with("|1|"), stored.c_str());
        QVERIFY2(stored.find(env_["SSH_HOST"]) == std::string::npos, stored.c_str());
        QVERIFY(stored.find(key_base64(env_["SSH_HOST_KEY_PUB"])) != std::string::npos);
        // OpenSSH finds the entry by the name it hashes...
        const std::string name = "[" + env_["SSH_HOST"] + "]:" + std::to_string(env_.port());
        QCOMPARE(std::system(
                     ("ssh-keygen -F '" + name + "' -f " + o.known_hosts.string() + " >/dev/null").c_str()),
                 0);
        // ...and so does the next login, which does not ask again.
        auto again = Session::connect(o, callbacks);
        QVERIFY2(again.has_value(), again ? "" : again.error().message.c_str());
        QCOMPARE(asked, 1);
    }

    void hashKnownHostsNoStoresTheNameInClear() {
        test::TempDir dir;
        auto o = options(dir, false);
        std::ofstream(o.ssh_config) << "HashKnownHosts no\n";
        auto callbacks = key_login();
        callbacks.accept_host_key = [](const UnknownHostKey&) { return true; };
        auto session = Session::connect(o, callbacks);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        const auto stored = slurp(o.known_hosts);
        QVERIFY2(stored.starts_with("[" + env_["SSH_HOST"] + "]:"), stored.c_str());
    }

    void revokedKeyIsRefusedWithoutAsking_data() {
        QTest::addColumn<bool>("global");
        QTest::addRow("user known_hosts") << false;
        QTest::addRow("global known_hosts") << true;
    }
    void revokedKeyIsRefusedWithoutAsking() {
        QFETCH(bool, global);
        test::TempDir dir;
        auto o = options(dir, true); // also trusted by an ordinary line: the revocation wins
        const std::string trusted = slurp(o.known_hosts);
        const std::string revoked =
            "# retired\n@revoked * ssh-ed25519 " + key_base64(env_["SSH_HOST_KEY_PUB"]) + "\n";
        std::ofstream(global ? o.global_known_hosts : o.known_hosts, std::ios::app) << revoked;
        const auto msg = refusedWithoutAsking(o, "REVOKED");
        QVERIFY2(!msg.starts_with("FAIL") &&
                     msg.find(global ? "line 2 marks" : "line 3 marks") != std::string::npos,
                 msg.c_str());
        QCOMPARE(slurp(o.known_hosts), global ? trusted : trusted + revoked); // never rewritten

        // Revoked and otherwise unknown: still never offered for trust.
        std::ofstream(o.known_hosts) << (global ? "" : revoked);
        const auto again = refusedWithoutAsking(o, "REVOKED");
        QVERIFY2(!again.starts_with("FAIL"), again.c_str());
    }

    void changedKeyIsRefusedWithoutAsking() {
        test::TempDir dir;
        auto o = options(dir, false);
        const std::string wrong = test::known_hosts_line(env_, env_.port(), env_["SSH_WRONG_HOST_KEY_PUB"]);
        std::ofstream(o.known_hosts) << wrong;
        const auto msg = refusedWithoutAsking(o, "CHANGED");
        QVERIFY2(!msg.starts_with("FAIL"), msg.c_str());
        QCOMPARE(slurp(o.known_hosts), wrong); // never rewritten
    }
};

QTEST_GUILESS_MAIN(TestSshHostKey)
#include "test_ssh_host_key.moc"
