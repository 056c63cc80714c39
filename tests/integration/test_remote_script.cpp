// Remote scripts over a real sshd: hostile arguments stay literal, exit status and both streams come
// back, stdin cannot swallow the script, large output; timeout, cancel and abandoning end the script
// but not the Session.
#include "cluster_env.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"

#include <QtTest>
#include <csignal>
#include <cstdlib>
#include <thread>

using namespace sluice;
using namespace sluice::remote;

class TestRemoteScript : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> session_;

    ScriptResult run(std::string_view script, const std::vector<std::string>& args = {}) {
        auto r = run_script(*session_, script, args);
        if (!r) qWarning("%s", r.error().message.c_str());
        return r ? *r : ScriptResult{};
    }

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        SLUICE_KEY_SESSION(env_, dir_, session_);
    }

    void argumentsStayLiteral_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("spaces") << "my data file.h5";
        QTest::newRow("single quotes") << "it's 'quoted'";
        QTest::newRow("double quotes") << "say \"hi\"";
        QTest::newRow("command substitution") << "$(touch sluice-pwned)";
        QTest::newRow("backticks") << "`touch sluice-pwned`";
        QTest::newRow("variables") << "$HOME ${PATH} $1";
        QTest::newRow("newline") << "a\nb";
        QTest::newRow("glob") << "*";
        QTest::newRow("semicolon") << "x; touch sluice-pwned";
        QTest::newRow("non-ascii") << QString::fromUtf8("Messung_ÄÖÜ_µm_日本");
        QTest::newRow("empty") << "";
        QTest::newRow("dash") << "-n";
    }
    void argumentsStayLiteral() {
        QFETCH(QString, value);
        const std::string v = value.toStdString();
        auto r = run("cd ~ && printf '%s|%s' \"$#\" \"$1\"; test ! -e sluice-pwned", {v});
        QCOMPARE(r.exit_status, 0);
        QCOMPARE(QString::fromStdString(r.out), "1|" + value);
    }

    void exitStatusAndBothStreams() {
        auto r = run("echo out; echo err >&2; exit 3");
        QCOMPARE(r.exit_status, 3);
        QCOMPARE(r.out, std::string("out\n"));
        QCOMPARE(r.err, std::string("err\n"));
        QCOMPARE(run("false").exit_status, 1);
    }

    void runsInALoginBash() {
        auto r = run("shopt -q login_shell && echo login");
        QCOMPARE(r.out, std::string("login\n"));
    }

    void plainShellReadsNoProfile() {
        auto r =
            run_script(*session_, "shopt -q login_shell && echo login || echo plain", {}, {}, Shell::plain);
        QVERIFY(r);
        QCOMPARE(r->out, std::string("plain\n"));
    }

    void stdinCannotSwallowTheScript() {
        auto r = run("cat\necho after");
        QCOMPARE(r.out, std::string("after\n"));
    }

    void largeOutput() {
        auto r = run("head -c 3000000 /dev/zero | tr '\\0' x; echo done >&2");
        QCOMPARE(r.out.size(), std::size_t{3000000});
        QCOMPARE(r.out.find_first_not_of('x'), std::string::npos);
        QCOMPARE(r.err, std::string("done\n"));
    }

    void timeoutEndsTheScriptNotTheSession() {
        QElapsedTimer clock;
        clock.start();
        auto r = run_script(*session_, "sleep 30", {}, RunLimits{std::chrono::milliseconds(800), {}});
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.find("timed out") != std::string::npos, r.error().message.c_str());
        QVERIFY(clock.elapsed() < 10000);
        QCOMPARE(run("echo still here").out, std::string("still here\n"));
    }

    void cancelEndsTheScript() {
        std::stop_source stop;
        std::jthread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            stop.request_stop();
        });
        QElapsedTimer clock;
        clock.start();
        auto r = run_script(*session_, "sleep 30", {}, RunLimits{std::chrono::minutes(1), stop.get_token()});
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().kind, ErrorKind::cancelled);
        QVERIFY(clock.elapsed() < 10000);
        QCOMPARE(run("echo still here").out, std::string("still here\n"));
    }

    // A script abandoned before its end is ended on the server, its children included: sshd would
    // otherwise keep its session (one of MaxSessions) until the command exits on its own.
    void abandonedScriptIsEnded() {
        const std::string pid_file = "abandoned.pid";
        auto started = RemoteScript::start(*session_, "sleep 60 & echo \"$!\" >\"$1\"; wait", {pid_file});
        QVERIFY2(started.has_value(), started ? "" : started.error().message.c_str());
        std::string pid;
        QTRY_VERIFY_WITH_TIMEOUT(!(pid = run("cat \"$1\" 2>/dev/null", {pid_file}).out).empty(), 10000);
        QCOMPARE(run("kill -0 \"$1\" && echo running", {pid.substr(0, pid.find('\n'))}).out,
                 std::string("running\n"));
        { auto gone = std::move(*started); }
        QTRY_COMPARE_WITH_TIMEOUT(
            run("kill -0 \"$1\" 2>/dev/null && echo running || echo ended", {pid.substr(0, pid.find('\n'))})
                .out,
            std::string("ended\n"), 10000);
        run("rm -f \"$1\"", {pid_file});
    }

    // Last: it ends the connection the other tests share.
    void reconnectsAfterTheConnectionDrops() {
        // $PPID is the server's process for this connection ("sshd: user@notty"); ending it drops us.
        auto r = run("echo \"$PPID\"");
        const pid_t server = std::stoi(r.out);
        QVERIFY(server > 1);
        QCOMPARE(::kill(server, SIGTERM), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!run_script(*session_, "true").has_value(), 10000);
        auto st = session_->ensure_connected();
        QVERIFY2(st.has_value(), st ? "" : st.error().message.c_str());
        QVERIFY(session_->connected());
        QCOMPARE(run("echo back").out, std::string("back\n"));
    }

    void cleanupTestCase() { session_.reset(); }
};

QTEST_GUILESS_MAIN(TestRemoteScript)
#include "test_remote_script.moc"
