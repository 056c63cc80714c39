// A login shell of tcsh does not change results (DESIGN §6): the same scripts with hostile arguments,
// and the same upload, give identical results for the bash user and for a user whose login shell is
// tcsh. Without tcsh installed the second user has sh (the issue allows it), except under CI=true,
// where that is a failure.
#include "cluster_env.hpp"
#include "remote/remote_checksum.hpp"
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "remote/sftp_upload.hpp"
#include "util/sha256.hpp"

#include <QtTest>

using namespace sluice;
using namespace sluice::remote;

namespace {

struct Case {
    const char* name;
    std::string script;
    std::vector<std::string> args;
    ScriptResult expected;
};

// Each value is one the login shell would mangle if it ever parsed it: tcsh has no newlines in quotes,
// expands `!` (history) and `$` inside double quotes, and runs `...` everywhere.
std::vector<Case> cases() {
    const std::vector<std::string> hostile = {"two  spaces",
                                              "it's 'single'",
                                              "say \"double\"",
                                              "$(echo pwned)",
                                              "`echo pwned`",
                                              "$HOME ${PATH}",
                                              "line one\nline two",
                                              "!! !$ ^x^y",
                                              "Messung_ÄÖÜ_µm_日本",
                                              "",
                                              "-n",
                                              "*",
                                              "a;b|c&d>e",
                                              "\\\\"};
    std::string all_out = std::to_string(hostile.size());
    for (const auto& v : hostile)
        all_out += "[" + v + "]";
    return {
        {"arguments", "printf '%s' \"$#\"; printf '[%s]' \"$@\"", hostile, {0, all_out, ""}},
        {"exit status and stderr",
         "echo \"$1\"; echo \"$2\" >&2; exit 3",
         {"out $(x)", "err `y`"},
         {3, "out $(x)\n", "err `y`\n"}},
        {"file names",
         "mkdir -p shell-test && cd shell-test && : > \"$1\" && ls -- \"$1\" && rm -- \"$1\" && cd .. && "
         "rmdir shell-test",
         {"name with 'quotes' $(x) `y` ünï\nnewline"},
         {0, "name with 'quotes' $(x) `y` ünï\nnewline\n", ""}},
        {"posix syntax",
         "for i in 1 2 3; do printf '%s' \"$i\"; done; x=$((6 * 7)); echo \" $x\"",
         {},
         {0, "123 42\n", ""}},
        {"no login chatter", "true", {}, {0, "", ""}},
    };
}

} // namespace

class TestLoginShell : public QObject {
    Q_OBJECT
    test::ClusterEnv env_;
    std::unique_ptr<test::TempDir> dir_;
    std::optional<Session> bash_user_;
    std::optional<Session> tcsh_user_;

private slots:
    void initTestCase() {
        env_ = test::ClusterEnv::load();
        SLUICE_REQUIRE_CLUSTER(env_);
        const std::string shell = env_["TCSH_SHELL"];
        if (!shell.ends_with("/tcsh")) {
            if (test::fixtures_strict()) QFAIL("tcsh is not installed (apt-get install tcsh)");
            qWarning("tcsh is not installed: the second user's login shell is %s", shell.c_str());
        }
        SLUICE_KEY_SESSION(env_, dir_, bash_user_);
        auto o = test::isolated_options(env_, *dir_, env_.port());
        o.user = env_["TCSH_USER"];
        o.identity_files = {env_["SSH_KEY"]};
        auto t = Session::connect(o, {});
        QVERIFY2(t.has_value(), t ? "" : t.error().message.c_str());
        tcsh_user_.emplace(std::move(*t));
    }

    void theLoginShellsDiffer() {
        const std::string script = "getent passwd \"$(id -un)\" | cut -d: -f7";
        auto bash = run_script(*bash_user_, script);
        auto tcsh = run_script(*tcsh_user_, script);
        QVERIFY(bash && tcsh);
        QCOMPARE(bash->out, std::string("/bin/bash\n"));
        QCOMPARE(tcsh->out, env_["TCSH_SHELL"] + "\n");
    }

    void scriptsGiveIdenticalResults() {
        for (const auto& c : cases()) {
            auto bash = run_script(*bash_user_, c.script, c.args);
            auto tcsh = run_script(*tcsh_user_, c.script, c.args);
            QVERIFY2(bash.has_value(), c.name);
            QVERIFY2(tcsh.has_value(), c.name);
            for (const auto* r : {&*bash, &*tcsh}) {
                QVERIFY2(r->exit_status == c.expected.exit_status, c.name);
                QVERIFY2(r->out == c.expected.out, (std::string(c.name) + ": " + r->out).c_str());
                QVERIFY2(r->err == c.expected.err, (std::string(c.name) + ": " + r->err).c_str());
            }
        }
    }

    void uploadsGiveIdenticalResults() {
        const std::string data = test::byte_pattern(3 * 1000 * 1000 + 5, 21);
        const auto local = *dir_ / "upload.bin";
        test::write_bytes(local, data);
        const std::string remote = "shell test/it's $(x) `y` ünï.bin";
        auto bash = upload_file(*bash_user_, local, remote);
        auto tcsh = upload_file(*tcsh_user_, local, remote);
        QVERIFY2(bash.has_value(), bash ? "" : bash.error().message.c_str());
        QVERIFY2(tcsh.has_value(), tcsh ? "" : tcsh.error().message.c_str());
        for (const auto* r : {&*bash, &*tcsh}) {
            QCOMPARE(r->sha256, sha256_hex(data));
            QCOMPARE(r->bytes, std::uint64_t{data.size()});
            QCOMPARE(r->sent, std::uint64_t{data.size()});
            QVERIFY(!r->skipped);
        }
        for (auto* s : {&*bash_user_, &*tcsh_user_}) {
            QCOMPARE(*remote_sha256(*s, remote), sha256_hex(data));
            auto listing = run_script(
                *s, "ls -A -- \"$(dirname -- \"$1\")\" && rm -rf -- \"$(dirname -- \"$1\")\"", {remote});
            QVERIFY(listing && listing->exit_status == 0);
            QCOMPARE(listing->out, std::string("it's $(x) `y` ünï.bin\n"));
        }
    }

    void cleanupTestCase() {
        tcsh_user_.reset();
        bash_user_.reset();
    }
};

QTEST_GUILESS_MAIN(TestLoginShell)
#include "test_login_shell.moc"
