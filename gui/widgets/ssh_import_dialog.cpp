#include "widgets/ssh_import_dialog.hpp"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sluice::gui {

SshImportDialog::SshImportDialog(const QString& file, const QString& home, QWidget* parent)
    : QDialog(parent), hosts_(remote::read_ssh_config(file.toStdString(), home.toStdString())),
      list_(new QTreeWidget(this)), notes_(new QLabel(this)) {
    setWindowTitle(tr("Import from SSH config"));
    list_->setObjectName("sshHosts");
    notes_->setObjectName("sshNotes");
    list_->setHeaderLabels({tr("Host"), tr("HostName"), tr("User"), tr("Port")});
    list_->setRootIsDecorated(false);
    list_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    for (const auto& h : hosts_.hosts) {
        auto* item = new QTreeWidgetItem(list_);
        item->setText(0, QString::fromStdString(h.alias));
        item->setText(1, QString::fromStdString(h.host_name.empty() ? h.alias : h.host_name));
        item->setText(2, QString::fromStdString(h.user));
        item->setText(3, h.port ? QString::number(*h.port) : QString());
    }
    QStringList notes;
    if (hosts_.hosts.empty()) notes << tr("%1 names no host without wildcards.").arg(file);
    for (const auto& n : hosts_.notes)
        notes << QString::fromStdString(n);
    notes_->setText(notes.join('\n'));
    notes_->setWordWrap(true);
    notes_->setVisible(!notes.isEmpty());

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto* ok = buttons->button(QDialogButtonBox::Ok);
    ok->setText(tr("Create Profile"));
    ok->setObjectName("sshImportOk");
    ok->setEnabled(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Hosts in %1 (HostName, User and Port apply at login, as for ssh):").arg(file), this));
    layout->addWidget(list_);
    layout->addWidget(notes_);
    layout->addWidget(buttons);
    connect(list_, &QTreeWidget::currentItemChanged, this,
            [ok](QTreeWidgetItem* current) { ok->setEnabled(current != nullptr); });
    connect(list_, &QTreeWidget::itemDoubleClicked, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(560, 360);
}

std::optional<remote::SshConfigHost> SshImportDialog::chosen() const {
    const int row = list_->indexOfTopLevelItem(list_->currentItem());
    if (row < 0 || row >= static_cast<int>(hosts_.hosts.size())) return std::nullopt;
    return hosts_.hosts[static_cast<std::size_t>(row)];
}

int SshImportDialog::hostCount() const {
    return static_cast<int>(hosts_.hosts.size());
}

} // namespace sluice::gui
