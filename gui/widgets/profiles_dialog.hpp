#pragma once
// Jobs → Cluster Profiles…: add, edit and remove the profiles in profiles.json (shared with
// sluice-cli). Every field is checked by shared/jobs (validate_profile) before saving; a refusal names
// the field by its label and shows it focused on its page. No secrets are kept here: passwords and 2FA codes
// are asked at login, and a password the user asked to remember lives in the keychain (docs/DESIGN.md §8),
// which "Forget Saved Password" clears for the selected profile's user@host:port.
#include "jobs/profile.hpp"

#include <QDialog>
#include <QString>
#include <map>
#include <optional>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QVBoxLayout;

namespace sluice::gui {

class H5Service;
class JobsService;
class ProfileActions;

class ProfilesDialog : public QDialog {
    Q_OBJECT
public:
    /// Edits the profiles stored in `file` (created on the first save).
    explicit ProfilesDialog(QString file, QWidget* parent = nullptr);

    [[nodiscard]] QString messageText() const;
    [[nodiscard]] const std::vector<jobs::ClusterProfile>& profiles() const { return profiles_; }
    /// With the app's jobs service: Test Connection (and Deploy Engine…) on the profile in the form;
    /// with its H5Service too, Send Test Job after a deploy (ProfileActions::setPlanner).
    void setJobsService(JobsService* service, H5Service* planner = nullptr);
    [[nodiscard]] ProfileActions* actions() const { return actions_; }

    /// Apply the form to the selected profile (or a new one) and write the file; false (and the
    /// reason shown) when a field is invalid or the file cannot be written.
    bool saveCurrent();
    void newProfile();
    void removeCurrent();
    /// Remove the password remembered for the selected profile's user@host:port from the keychain; the
    /// message says what happened (asynchronously).
    void forgetPassword();
    /// A new profile from a Host of the SSH config (SshImportDialog): its alias is the host.
    void importFromSshConfig();
    /// The SSH config Import from SSH config… reads; default ~/.ssh/config.
    void setSshConfig(const QString& file) { ssh_config_ = file; }

private:
    void showProfile(int index);
    [[nodiscard]] jobs::ClusterProfile fromForm() const;
    /// The form's profile when it is valid; otherwise the message says why.
    [[nodiscard]] std::optional<jobs::ClusterProfile> checkedForm();
    void reloadList(int select);
    /// Shows a refusal under the field's label, on the field's page, with the field focused (the key
    /// comes from Error::field, never from the message).
    void showProblem(const Error& error);
    void clearProblemOnEdit(QWidget* editor);

    struct FormField {
        QWidget* widget;
        QString label;
    };

    QString file_;
    QString ssh_config_;
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
    QPlainTextEdit* directives_;
    QPlainTextEdit* prologue_;
    QComboBox* engine_kind_;
    QLineEdit* engine_;
    QCheckBox* locking_;
    QCheckBox* deploy_in_job_;
    QLineEdit* srun_mpi_;
    QSpinBox* streams_;
    QLabel* message_;
    QTabWidget* pages_ = nullptr;
    std::map<std::string, FormField> fields_; ///< the profile's JSON key → its editor and label
    QWidget* problem_widget_ = nullptr;       ///< the field the message refuses, until it is edited
    QVBoxLayout* right_ = nullptr;
    ProfileActions* actions_ = nullptr;
};

} // namespace sluice::gui
