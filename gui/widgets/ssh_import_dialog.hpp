#pragma once
// Profiles dialog → Import from SSH config…: the Host entries of ~/.ssh/config (remote/ssh_config_hosts.hpp)
// with the HostName, User and Port ssh would use; the chosen alias becomes a new profile's host.
#include "remote/ssh_config_hosts.hpp"

#include <QDialog>
#include <QString>
#include <optional>

class QLabel;
class QTreeWidget;

namespace sluice::gui {

class SshImportDialog : public QDialog {
    Q_OBJECT
public:
    /// Lists the hosts of `file` (~/ in its Includes is `home`).
    SshImportDialog(const QString& file, const QString& home, QWidget* parent = nullptr);

    /// The host selected when the dialog was accepted.
    [[nodiscard]] std::optional<remote::SshConfigHost> chosen() const;
    [[nodiscard]] int hostCount() const;

private:
    remote::SshConfigHosts hosts_;
    QTreeWidget* list_;
    QLabel* notes_;
};

} // namespace sluice::gui
