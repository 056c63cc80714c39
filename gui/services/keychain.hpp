#pragma once
// Passwords the user asked to remember, in the OS keychain through QtKeychain (a Secret Service such as
// GNOME Keyring or KeePassXC, KWallet, the macOS Keychain, the Windows Credential Manager), under the
// service "Sluice" and the key user@host:port: one SSH login per account is shared by every profile that
// names it (docs/DESIGN.md §8). Nothing else stores a secret. Every call is asynchronous: it returns at
// once and `done` runs later on the thread of `context` (the UI thread: QtKeychain's jobs need its event
// loop), unless `context` is destroyed first.
#include <QObject>
#include <QString>
#include <functional>
#include <optional>
#include <string>

namespace sluice::gui::keychain {

/// Why no password can be remembered here (no session bus, no keychain service on it); empty when one can.
[[nodiscard]] QString unavailableReason();

/// The password remembered for `key`; nullopt when there is none or the keychain cannot be read.
void read(const QString& key, QObject* context, std::function<void(std::optional<std::string>)> done);

/// Remember `secret` for `key`, replacing what was there; `done` gets an error message (empty: stored).
void write(const QString& key, const std::string& secret, QObject* context,
           std::function<void(const QString& error)> done);

/// Forget what is remembered for `key`; `done` gets an error message (empty: nothing is remembered for
/// `key` now, whether or not there was something before).
void remove(const QString& key, QObject* context, std::function<void(const QString& error)> done);

} // namespace sluice::gui::keychain
