// Authentication against a real sshd: password, agent, key files (plain and with a passphrase), ssh_config
// basics, the cipher preference (AES-GCM unless ssh_config says otherwise), and keyboard-interactive
// password + TOTP answered once for a Session that then serves several exec channels at the same time.
#include "cluster_env.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "util/shell_quote.hpp"

#include <QtTest>
#include <csignal>
#include <cstdlib>
#include <fstream>

using namespace sluice;
using namespace sluice::remote;

namespace {

/// pam_oath asks "One-time password (OATH) for `user': ", pam_unix "Password: ".
bool asks_for_code(const KbdIntRound::Prompt& p) {
    return p.text.find("One-time") != std::string::npos;
}

std::string who_am_i(Session& session) {
    auto r = run_script(session, "id -un");
    return r ? r->out : "error: " + r.error().message;
}

} // namespace

class TestSshAuth : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        ::unsetenv("SSH_AUTH_SOCK");
    }

    void password() {
        test::TempDir dir;
        std::vector<std::string> asked;
        SessionCallbacks cb;
        cb.password = [&](const std::string& who, int attempt) -> std::optional<std::string> {
            asked.push_back(who + "#" + std::to_string(attempt));
            return env_["SSH_PASSWORD"];
        };
        auto session = Session::connect(test::isolated_options(env_, dir, env_.port()), cb);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(asked.size(), std::size_t{1});
        QVERIFY(asked[0].find(env_["SSH_USER"] + "@") == 0);
        QCOMPARE(who_am_i(*session), env_["SSH_USER"] + "\n");
    }

    void wrongPasswordIsAClearError() {
        test::TempDir dir;
        int attempts = 0;
        SessionCallbacks cb;
        cb.password = [&](const std::string&, int) -> std::optional<std::string> {
            return ++attempts, "wrong";
        };
        auto session = Session::connect(test::isolated_options(env_, dir, env_.port()), cb);
        QVERIFY(!session.has_value());
        QCOMPARE(attempts, 3);
        QCOMPARE(session.error().kind, ErrorKind::bad_input);
        const auto& msg = session.error().message;
        QVERIFY2(msg.find("permission denied for " + env_["SSH_USER"] + "@") == 0, msg.c_str());
        QVERIFY2(msg.find("password was refused") != std::string::npos, msg.c_str());
    }

    void cancelledPasswordPromptCancels() {
        test::TempDir dir;
        SessionCallbacks cb;
        cb.password = [](const std::string&, int) -> std::optional<std::string> { return std::nullopt; };
        auto session = Session::connect(test::isolated_options(env_, dir, env_.port()), cb);
        QVERIFY(!session.has_value());
        QCOMPARE(session.error().kind, ErrorKind::cancelled);
    }

    // A remembered password is tried once without asking (docs/DESIGN.md §6); refused, the user is asked
    // as after a typo (attempt 2), and each outcome is reported.
    void rememberedPasswordFirst() {
        for (const bool right : {true, false}) {
            test::TempDir dir;
            std::vector<std::string> asked, tried;
            SessionCallbacks cb;
            cb.remembered_password = [&](const std::string&) -> std::optional<std::string> {
                return right ? env_["SSH_PASSWORD"] : "an old password";
            };
            cb.password = [&](const std::string&, int attempt) -> std::optional<std::string> {
                asked.push_back(std::to_string(attempt));
                return env_["SSH_PASSWORD"];
            };
            cb.password_tried = [&](const std::string& who, const std::string&, bool remembered, bool ok) {
                QVERIFY(who.find(env_["SSH_USER"] + "@") == 0);
                tried.push_back(std::string(remembered ? "remembered " : "typed ") + (ok ? "ok" : "refused"));
            };
            auto session = Session::connect(test::isolated_options(env_, dir, env_.port()), cb);
            QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
            if (right) {
                QCOMPARE(asked, std::vector<std::string>{});
                QCOMPARE(tried, std::vector<std::string>{"remembered ok"});
            } else {
                QCOMPARE(asked, std::vector<std::string>{"2"});
                QCOMPARE(tried, (std::vector<std::string>{"remembered refused", "typed ok"}));
            }
        }
    }

    void keyFile() {
        test::TempDir dir;
        auto o = test::isolated_options(env_, dir, env_.port());
        o.identity_files = {env_["SSH_KEY"]};
        auto session = Session::connect(o, {}); // no password callback: the key alone must do
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(who_am_i(*session), env_["SSH_USER"] + "\n");
    }

    void agentKey() {
        test::TempDir dir;
        // Our own agent on a socket in the TempDir, stopped by its PID.
        const auto sock = (dir / "agent.sock").string();
        const std::string out = test::command_output("ssh-agent -s -a " + shell_quote(sock));
        const auto at = out.find("SSH_AGENT_PID=");
        QVERIFY2(at != std::string::npos, out.c_str());
        const pid_t agent = std::stoi(out.substr(at + 14));
        struct Stop {
            pid_t pid;
            ~Stop() { ::kill(pid, SIGTERM); }
        } stop{agent};
        ::setenv("SSH_AUTH_SOCK", sock.c_str(), 1);
        const int added = std::system(("SSH_AUTH_SOCK=" + shell_quote(sock) + " ssh-add -q " +
                                       shell_quote(env_["SSH_KEY"]) + " 2>/dev/null")
                                          .c_str());
        auto session =
            Session::connect(test::isolated_options(env_, dir, env_.port()), {}); // no key file given
        ::unsetenv("SSH_AUTH_SOCK");
        QCOMPARE(added, 0);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(who_am_i(*session), env_["SSH_USER"] + "\n");
    }

    void encryptedKeyAsksForItsPassphrase() {
        test::TempDir dir;
        auto o = test::isolated_options(env_, dir, env_.port());
        o.identity_files = {env_["SSH_KEY_ENCRYPTED"]};
        std::vector<std::filesystem::path> asked;
        SessionCallbacks cb;
        cb.key_passphrase = [&](const std::filesystem::path& key) -> std::optional<std::string> {
            asked.push_back(key);
            return env_["SSH_KEY_PASSPHRASE"];
        };
        auto session = Session::connect(o, cb);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(asked.size(), std::size_t{1});
        QCOMPARE(asked[0], std::filesystem::path(env_["SSH_KEY_ENCRYPTED"]));
    }

    void sshConfigHostNameUserPortIdentityFile() {
        test::TempDir dir;
        auto o = test::isolated_options(env_, dir, env_.port());
        std::ofstream(o.ssh_config) << "Host sluice-test-alias\n"
                                    << "  HostName " << env_["SSH_HOST"] << "\n"
                                    << "  Port " << env_["SSH_PORT"] << "\n"
                                    << "  User " << env_["SSH_USER"] << "\n"
                                    << "  IdentityFile " << env_["SSH_KEY"] << "\n";
        o.host = "sluice-test-alias";
        o.port.reset();
        o.user.reset();
        auto session = Session::connect(o, {});
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(session->peer(), env_["SSH_USER"] + "@" + env_["SSH_HOST"] + ":" + env_["SSH_PORT"]);
        QCOMPARE(who_am_i(*session), env_["SSH_USER"] + "\n");
    }

    void prefersAesGcm() {
        test::TempDir dir;
        auto o = test::isolated_options(env_, dir, env_.port());
        o.identity_files = {env_["SSH_KEY"]};
        auto session = Session::connect(o, {});
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(std::string(ssh_get_cipher_out(session->raw())), std::string("aes128-gcm@openssh.com"));
        QCOMPARE(std::string(ssh_get_cipher_in(session->raw())), std::string("aes128-gcm@openssh.com"));
    }

    void sshConfigCiphersWin() {
        test::TempDir dir;
        auto o = test::isolated_options(env_, dir, env_.port());
        std::ofstream(o.ssh_config) << "Ciphers aes256-ctr\n";
        o.identity_files = {env_["SSH_KEY"]};
        auto session = Session::connect(o, {});
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QCOMPARE(std::string(ssh_get_cipher_out(session->raw())), std::string("aes256-ctr"));
    }

    // A wrong code: the next exchange's rounds say it is a second attempt (the question can say "try
    // again") and who is asked.
    void wrongTotpIsRefused() {
        test::TempDir dir;
        std::vector<int> attempts;
        std::string who;
        SessionCallbacks cb;
        cb.keyboard_interactive = [&](const KbdIntRound& round) -> std::optional<std::vector<std::string>> {
            attempts.push_back(round.attempt);
            who = round.who;
            std::vector<std::string> answers;
            for (const auto& p : round.prompts)
                answers.push_back(asks_for_code(p) ? "000000" : env_["SSH_PASSWORD"]);
            return answers;
        };
        auto o = test::isolated_options(env_, dir, env_.port("SSH_OATH_PORT"));
        o.password_attempts = 2;
        auto session = Session::connect(o, cb);
        QVERIFY(!session.has_value());
        QCOMPARE(session.error().kind, ErrorKind::bad_input);
        QVERIFY2(session.error().message.find("keyboard-interactive") != std::string::npos,
                 session.error().message.c_str());
        QCOMPARE(attempts, (std::vector<int>{1, 1, 2, 2})); // password and code rounds, twice
        QVERIFY2(who.find("@127.0.0.1:" + env_["SSH_OATH_PORT"]) != std::string::npos, who.c_str());
    }

    // The only test that spends a TOTP code: pam_oath refuses a code twice, so one login serves all.
    void totpAnsweredOnceServesConcurrentChannels() {
        test::TempDir dir;
        std::vector<KbdIntRound> rounds;
        SessionCallbacks cb;
        cb.keyboard_interactive = [&](const KbdIntRound& round) -> std::optional<std::vector<std::string>> {
            rounds.push_back(round);
            std::vector<std::string> answers;
            for (const auto& p : round.prompts) {
                answers.push_back(asks_for_code(p)
                                      ? test::command_output("oathtool --totp " + env_["TOTP_SECRET"])
                                      : env_["SSH_PASSWORD"]);
            }
            return answers;
        };
        cb.password = [](const std::string&, int) -> std::optional<std::string> {
            qWarning("password callback used on a keyboard-interactive server");
            return std::nullopt;
        };
        // The server waits 5 s after the code (tests/cluster/up.sh), as push-based 2FA does: more than
        // the connect timeout, so this login only works if authentication has its own, longer timeout.
        auto o = test::isolated_options(env_, dir, env_.port("SSH_OATH_PORT"));
        o.connect_timeout = std::chrono::seconds(3);
        o.auth_timeout = std::chrono::seconds(60);
        QElapsedTimer login_clock;
        login_clock.start();
        auto session = Session::connect(o, cb);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        QVERIFY(login_clock.elapsed() >= 5000);

        // Password and one-time code come in separate rounds (multi-round), both without echo.
        QCOMPARE(rounds.size(), std::size_t{2});
        for (const auto& round : rounds) {
            QCOMPARE(round.prompts.size(), std::size_t{1});
            QVERIFY(!round.prompts[0].echo);
        }
        QVERIFY(!asks_for_code(rounds[0].prompts[0]));
        QVERIFY(asks_for_code(rounds[1].prompts[0]));

        // Three channels open at once on the one login; they run side by side (≈1 s, not 3 s).
        QElapsedTimer clock;
        clock.start();
        std::vector<RemoteScript> running;
        for (int i = 0; i < 3; ++i) {
            auto s =
                RemoteScript::start(*session, "sleep 1; printf 'channel %s' \"$1\"", {std::to_string(i)});
            QVERIFY2(s.has_value(), s ? "" : s.error().message.c_str());
            running.push_back(std::move(*s));
        }
        for (int i = 0; i < 3; ++i) {
            auto r = running[static_cast<std::size_t>(i)].wait();
            QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
            QCOMPARE(r->out, "channel " + std::to_string(i));
        }
        QVERIFY2(clock.elapsed() < 2500, "channels did not run concurrently");
        for (int i = 0; i < 3; ++i)
            QCOMPARE(who_am_i(*session), env_["SSH_USER"] + "\n");
        QCOMPARE(rounds.size(), std::size_t{2}); // never asked again
    }
};

QTEST_GUILESS_MAIN(TestSshAuth)
#include "test_ssh_auth.moc"
