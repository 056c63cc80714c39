#include "remote/authenticate.hpp"

#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libssh/callbacks.h>
#include <vector>

namespace sluice::remote {
namespace {

/// Overwrite a secret before its memory is released.
void wipe(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i)
        p[i] = 0;
    secret.clear();
}

struct PassphraseContext {
    ssh_session session;
    const SessionCallbacks* callbacks;
};

// libssh asks for a key's passphrase through this C callback while importing an encrypted key file.
int ask_passphrase(const char* /*prompt*/, char* buf, size_t len, int /*echo*/, int /*verify*/,
                   void* userdata) {
    auto* ctx = static_cast<PassphraseContext*>(userdata);
    if (!ctx->callbacks->key_passphrase) return -1;
    char* identity = nullptr;
    std::string file;
    if (ssh_userauth_publickey_auto_get_current_identity(ctx->session, &identity) == SSH_OK && identity) {
        file = identity;
        ssh_string_free_char(identity);
    }
    auto passphrase = ctx->callbacks->key_passphrase(file);
    if (!passphrase || passphrase->size() + 1 > len) return -1;
    std::memcpy(buf, passphrase->c_str(), passphrase->size() + 1);
    wipe(*passphrase);
    return 0;
}

enum class Outcome { success, partial, denied, cancelled, timeout, error };

Outcome outcome_of(int rc) {
    switch (rc) {
    case SSH_AUTH_SUCCESS:
        return Outcome::success;
    case SSH_AUTH_PARTIAL:
        return Outcome::partial;
    case SSH_AUTH_DENIED:
        return Outcome::denied;
    case SSH_AUTH_AGAIN: // a blocking call that ran out of time
        return Outcome::timeout;
    default:
        return Outcome::error;
    }
}

Outcome public_key(ssh_session session, const SessionCallbacks& callbacks) {
    PassphraseContext ctx{session, &callbacks};
    ssh_callbacks_struct cb{};
    cb.userdata = &ctx;
    cb.auth_function = ask_passphrase;
    ssh_callbacks_init(&cb);
    ssh_set_callbacks(session, &cb);
    // Tries the agent first, then every identity (ssh_config's IdentityFile, ours, the defaults).
    const int rc = ssh_userauth_publickey_auto(session, nullptr, nullptr);
    // The callback struct dies with this frame: leave libssh an empty one.
    static ssh_callbacks_struct none = [] {
        ssh_callbacks_struct c{};
        ssh_callbacks_init(&c);
        return c;
    }();
    ssh_set_callbacks(session, &none);
    return outcome_of(rc);
}

/// One full keyboard-interactive exchange: any number of rounds, each with zero or more prompts.
Outcome keyboard_interactive(ssh_session session, const SessionCallbacks& callbacks, int attempt,
                             const std::string& peer) {
    int rc = ssh_userauth_kbdint(session, nullptr, nullptr);
    while (rc == SSH_AUTH_INFO) {
        const int n = ssh_userauth_kbdint_getnprompts(session);
        if (n > 0) {
            KbdIntRound round;
            round.attempt = attempt;
            round.who = peer;
            round.name = ssh_userauth_kbdint_getname(session);
            round.instruction = ssh_userauth_kbdint_getinstruction(session);
            for (int i = 0; i < n; ++i) {
                char echo = 0;
                const char* text = ssh_userauth_kbdint_getprompt(session, static_cast<unsigned>(i), &echo);
                round.prompts.push_back({text ? text : "", echo != 0});
            }
            auto answers = callbacks.keyboard_interactive(round);
            if (!answers) return Outcome::cancelled;
            answers->resize(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) {
                auto& answer = (*answers)[static_cast<std::size_t>(i)];
                if (ssh_userauth_kbdint_setanswer(session, static_cast<unsigned>(i), answer.c_str()) < 0)
                    return Outcome::error;
                wipe(answer);
            }
        }
        // A round without prompts (OpenSSH sends one after PAM finishes) is acknowledged as it is.
        rc = ssh_userauth_kbdint(session, nullptr, nullptr);
    }
    return outcome_of(rc);
}

void tell_password_tried(const SessionCallbacks& callbacks, const std::string& peer,
                         const std::string& password, bool remembered, Outcome result) {
    const bool answered =
        result == Outcome::success || result == Outcome::partial || result == Outcome::denied;
    if (callbacks.password_tried && answered)
        callbacks.password_tried(peer, password, remembered, result != Outcome::denied);
}

/// Tries the password remembered for `peer`, if any; true when there was one (`result` is then its
/// outcome, and `password_tried` has been told).
bool try_remembered_password(ssh_session session, const SessionCallbacks& callbacks, const std::string& peer,
                             Outcome& result) {
    if (!callbacks.remembered_password) return false;
    auto saved = callbacks.remembered_password(peer);
    if (!saved) return false;
    result = outcome_of(ssh_userauth_password(session, nullptr, saved->c_str()));
    tell_password_tried(callbacks, peer, *saved, true, result);
    wipe(*saved);
    return true;
}

} // namespace

Status authenticate(ssh_session session, const SessionOptions& options, const SessionCallbacks& callbacks,
                    const std::string& peer) {
    int rc = ssh_userauth_none(session, nullptr);
    if (rc == SSH_AUTH_SUCCESS) return {};
    if (rc == SSH_AUTH_ERROR)
        return fail(ErrorKind::io, fmt::format("login to {} failed: {}", peer, ssh_get_error(session)));

    bool tried_key = false, tried_kbdint = false, tried_password = false;
    std::vector<std::string> tried;
    std::string refusal = "the server accepted none of the methods Sluice offers";
    const auto attempts = std::max(1, options.password_attempts);

    auto cancelled = [&] { return fail(ErrorKind::cancelled, fmt::format("login to {} cancelled", peer)); };
    auto broken = [&] {
        return fail(ErrorKind::io, fmt::format("login to {} failed: {}", peer, ssh_get_error(session)));
    };

    for (;;) {
        const int methods = ssh_userauth_list(session, nullptr);
        Outcome result = Outcome::denied;
        if ((methods & SSH_AUTH_METHOD_PUBLICKEY) && !tried_key) {
            tried_key = true;
            tried.emplace_back("public key");
            result = public_key(session, callbacks);
            if (result == Outcome::denied) refusal = "no key (agent or file) was accepted";
        } else if ((methods & SSH_AUTH_METHOD_INTERACTIVE) && !tried_kbdint &&
                   callbacks.keyboard_interactive) {
            tried_kbdint = true;
            tried.emplace_back("keyboard-interactive");
            for (int i = 0; i < attempts; ++i) {
                result = keyboard_interactive(session, callbacks, i + 1, peer);
                if (result != Outcome::denied) break;
            }
            if (result == Outcome::denied) refusal = "the answers to the server's prompts were refused";
        } else if ((methods & SSH_AUTH_METHOD_PASSWORD) && !tried_password && callbacks.password) {
            tried_password = true;
            tried.emplace_back("password");
            // A remembered password first, without asking; refused, the user is asked as after a typo.
            const bool had_remembered = try_remembered_password(session, callbacks, peer, result);
            for (int i = 1; i <= attempts && result == Outcome::denied; ++i) {
                auto password = callbacks.password(peer, had_remembered ? i + 1 : i);
                if (!password) return cancelled();
                result = outcome_of(ssh_userauth_password(session, nullptr, password->c_str()));
                tell_password_tried(callbacks, peer, *password, false, result);
                wipe(*password);
            }
            if (result == Outcome::denied)
                refusal = fmt::format("the password was refused ({} attempt{})", attempts,
                                      attempts == 1 ? "" : "s");
        } else {
            break;
        }
        switch (result) {
        case Outcome::success:
            return {};
        case Outcome::cancelled:
            return cancelled();
        case Outcome::timeout:
            return fail(ErrorKind::io, fmt::format("login to {} timed out: no answer within {} s", peer,
                                                   options.auth_timeout.count()));
        case Outcome::error:
            return broken();
        case Outcome::partial: // the server wants another method as well
        case Outcome::denied:
            continue;
        }
    }
    return fail(ErrorKind::bad_input, fmt::format("permission denied for {} (tried: {}): {}", peer,
                                                  tried.empty() ? "nothing the server offers"
                                                                : fmt::format("{}", fmt::join(tried, ", ")),
                                                  refusal));
}

} // namespace sluice::remote
