#pragma once
// Jobs → Cluster Profiles…: add, edit and remove the profiles in profiles.json (shared with
// sluice-cli). Every field is checked by shared/jobs (validate_profile) before saving; the message
// names the field. No secrets are kept here: passwords and 2FA codes are asked at login, and a password
// the user asked to remember lives in the keychain (docs/DESIGN.md §8), which "Forget Saved Password"
// clears for the selected profile's user@host:port.
#include "jobs/profile.hpp"

#include <QDialog>
#include <QString>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace sluice::gui {

class ProfilesDialog : public QDialog {
    Q_OBJECT
public:
    /// Edits the profiles stored in `file` (created on the first save).
    explicit ProfilesDialog(QString file, QWidget* parent = nullptr);

    [[nodiscard]] QString messageText() const;
    [[nodiscard]] const std::vector<jobs::ClusterProfile>& profiles() const { return profiles_; }

    /// Apply the form to the selected profile (or a new one) and write the file; false (and the
    /// reason shown) when a field is invalid or the file cannot be written.
    bool saveCurrent();
    void newProfile();
    void removeCurrent();
    /// Remove the password remembered for the selected profile's user@host:port from the keychain; the
    /// message says what happened (asynchronously).
    void forgetPassword();

private:
    void showProfile(int index);
    [[nodiscard]] jobs::ClusterProfile fromForm() const;
    void reloadList(int select);

    QString file_;
    std::vector<jobs::ClusterProfile> profiles_;
    int current_ = -1; ///< index into profiles_, -1: a new profile
    QListWidget* list_;
    QLineEdit* name_;
    QComboBox* scheduler_;
    QLineEdit* host_;
    QLineEdit* user_;
    QSpinBox* port_;
    QLineEdit* scratch_;
    QLineEdit* account_;
    QLineEdit* partition_;
    QLineEdit* qos_;
    QSpinBox* nodes_;
    QSpinBox* tasks_;
    QLineEdit* walltime_;
    QLineEdit* memory_;
    QPlainTextEdit* modules_;
    QPlainTextEdit* environment_;
    QComboBox* engine_kind_;
    QLineEdit* engine_;
    QCheckBox* locking_;
    QLineEdit* srun_mpi_;
    QSpinBox* streams_;
    QLabel* message_;
};

} // namespace sluice::gui
