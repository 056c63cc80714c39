#include "widgets/profiles_dialog.hpp"

#include "jobs/cluster_client.hpp"
#include "jobs/profiles_file.hpp"
#include "remote/session.hpp"
#include "remote/ssh_config_hosts.hpp"
#include "services/keychain.hpp"
#include "widgets/profile_actions.hpp"
#include "widgets/ssh_import_dialog.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>
#include <algorithm>
#include <array>

namespace sluice::gui {
namespace {

QString text(const std::string& s) {
    return QString::fromStdString(s);
}

std::vector<std::string> lines(const QPlainTextEdit* edit) {
    std::vector<std::string> out;
    for (const auto& line : edit->toPlainText().split('\n', Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty()) out.push_back(line.trimmed().toStdString());
    return out;
}

QString joined(const std::vector<std::string>& items) {
    QStringList l;
    for (const auto& i : items)
        l << text(i);
    return l.join('\n');
}

} // namespace

ProfilesDialog::ProfilesDialog(QString file, QWidget* parent)
    : QDialog(parent), file_(std::move(file)), list_(new QListWidget(this)), name_(new QLineEdit(this)),
      scheduler_(new QComboBox(this)), host_(new QLineEdit(this)), user_(new QLineEdit(this)),
      port_(new QSpinBox(this)), scratch_(new QLineEdit(this)), account_(new QLineEdit(this)),
      partition_(new QLineEdit(this)), qos_(new QLineEdit(this)), nodes_(new QSpinBox(this)),
      tasks_(new QSpinBox(this)), walltime_(new QLineEdit(this)), memory_(new QLineEdit(this)),
      modules_(new QPlainTextEdit(this)), environment_(new QPlainTextEdit(this)),
      directives_(new QPlainTextEdit(this)), prologue_(new QPlainTextEdit(this)),
      engine_kind_(new QComboBox(this)), engine_(new QLineEdit(this)),
      locking_(new QCheckBox(tr("HDF5 file locking (turn off for Lustre/NFS "
                                "scratch that refuses it)"),
                             this)),
      deploy_in_job_(new QCheckBox(tr("Deploy Engine… builds in a batch job (for login nodes that "
                                      "limit compiling)"),
                                   this)),
      srun_mpi_(new QLineEdit(this)), streams_(new QSpinBox(this)), message_(new QLabel(this)) {
    setWindowTitle(tr("Cluster profiles"));
    scheduler_->addItems({"slurm", "pbs", "torque"});
    engine_kind_->addItems({tr("path"), tr("module"), tr("container")});
    port_->setRange(0, 65535);
    port_->setSpecialValueText(tr("from ~/.ssh/config, else 22"));
    streams_->setRange(0, 8);
    streams_->setSpecialValueText(tr("automatic"));
    streams_->setToolTip(tr("Parallel SFTP channels for files of 64 MiB and more"));
    nodes_->setRange(1, 100000);
    tasks_->setRange(1, 100000);
    host_->setPlaceholderText(tr("login node, address or ~/.ssh/config alias"));
    user_->setPlaceholderText(tr("from ~/.ssh/config, else your local name"));
    scratch_->setPlaceholderText(tr("/scratch/you (absolute)"));
    walltime_->setPlaceholderText(tr("HH:MM:SS or D-HH:MM:SS"));
    modules_->setPlaceholderText(tr("one `module` command per line, e.g. load hdf5/1.10"));
    environment_->setPlaceholderText(tr("one NAME=value per line, taken literally"));
    directives_->setPlaceholderText(tr("more scheduler options, one per line, without #SBATCH/#PBS, "
                                       "e.g. --constraint=haswell or -l place=scatter"));
    prologue_->setPlaceholderText(tr("shell lines run before the engine in every job, one command per "
                                     "line, e.g. source /opt/site/env.sh"));
    for (auto* e : {modules_, environment_, directives_, prologue_})
        e->setMaximumHeight(70);
    message_->setWordWrap(true);
    // Names for tests and accessibility tools.
    const std::pair<QWidget*, const char*> named[] = {{name_, "name"},
                                                      {scheduler_, "scheduler"},
                                                      {host_, "host"},
                                                      {user_, "user"},
                                                      {port_, "port"},
                                                      {scratch_, "scratch"},
                                                      {account_, "account"},
                                                      {partition_, "partition"},
                                                      {qos_, "qos"},
                                                      {nodes_, "nodes"},
                                                      {tasks_, "tasks"},
                                                      {walltime_, "walltime"},
                                                      {memory_, "memory"},
                                                      {modules_, "modules"},
                                                      {environment_, "environment"},
                                                      {directives_, "extraDirectives"},
                                                      {prologue_, "prologue"},
                                                      {engine_kind_, "engineKind"},
                                                      {engine_, "engine"},
                                                      {locking_, "locking"},
                                                      {deploy_in_job_, "deployInJob"},
                                                      {srun_mpi_, "srunMpi"},
                                                      {streams_, "transferStreams"},
                                                      {message_, "message"}};
    for (const auto& [w, n] : named)
        w->setObjectName(QLatin1String(n));

    // Four pages instead of one long form: the whole dialog fits a 1024×700 screen.
    auto* pages = new QTabWidget(this);
    pages->setObjectName(QStringLiteral("profilePages"));
    const auto page = [pages](const QString& title) {
        auto* w = new QWidget(pages);
        auto* f = new QFormLayout(w);
        pages->addTab(w, title);
        return f;
    };
    QFormLayout* form = nullptr;
    // Each row's editor and label by the profile's JSON key, for showProblem.
    const auto row = [this, &form](const QString& label, QWidget* editor, const char* key) {
        form->addRow(label, editor);
        fields_.emplace(key, FormField{editor, label});
        clearProblemOnEdit(editor);
    };
    form = page(tr("Connection"));
    row(tr("Name"), name_, "name");
    row(tr("Scheduler"), scheduler_, "scheduler");
    row(tr("Host"), host_, "host");
    row(tr("User"), user_, "user");
    row(tr("Port"), port_, "port");
    row(tr("Scratch directory"), scratch_, "scratch_dir");
    row(tr("Transfer streams"), streams_, "transfer_streams");
    form = page(tr("Resources"));
    row(tr("Account"), account_, "account");
    row(tr("Partition / queue"), partition_, "partition");
    row(tr("QoS"), qos_, "qos");
    row(tr("Nodes"), nodes_, "nodes");
    row(tr("MPI ranks per node"), tasks_, "tasks_per_node");
    row(tr("Walltime"), walltime_, "walltime");
    row(tr("Memory per node"), memory_, "memory");
    form = page(tr("Job Script"));
    row(tr("Modules"), modules_, "modules");
    row(tr("Environment"), environment_, "environment");
    row(tr("Extra directives"), directives_, "extra_directives");
    row(tr("Prologue"), prologue_, "prologue");
    form = page(tr("Engine"));
    auto* engine_row = new QHBoxLayout;
    engine_row->addWidget(engine_kind_);
    engine_row->addWidget(engine_, 1);
    form->addRow(tr("sluice-engine"), engine_row);
    fields_.emplace("engine", FormField{engine_, tr("sluice-engine")});
    clearProblemOnEdit(engine_);
    row(tr("srun --mpi"), srun_mpi_, "srun_mpi");
    form->addRow(QString(), locking_);
    form->addRow(QString(), deploy_in_job_);
    pages_ = pages;

    auto* add = new QPushButton(tr("New"), this);
    auto* remove = new QPushButton(tr("Remove"), this);
    auto* import = new QPushButton(tr("Import from SSH config…"), this);
    import->setObjectName("importSshConfig");
    auto* save = new QPushButton(tr("Save"), this);
    auto* forget = new QPushButton(tr("Forget Saved Password"), this);
    forget->setObjectName(QStringLiteral("forget_password"));
    forget->setToolTip(tr("Remove the password Sluice remembered in the keychain for this profile's "
                          "user@host:port (shared by every profile naming the same account)."));
    auto* left = new QVBoxLayout;
    left->addWidget(list_);
    auto* list_buttons = new QHBoxLayout;
    list_buttons->addWidget(add);
    list_buttons->addWidget(remove);
    left->addLayout(list_buttons);
    left->addWidget(import);
    right_ = new QVBoxLayout;
    right_->addWidget(pages);
    right_->addWidget(message_);
    auto* save_row = new QHBoxLayout;
    save_row->addWidget(forget);
    save_row->addStretch(1);
    save_row->addWidget(save);
    right_->addLayout(save_row);
    auto* columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(right_, 3);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(columns);
    layout->addWidget(close);

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::accept);
    connect(add, &QPushButton::clicked, this, &ProfilesDialog::newProfile);
    connect(remove, &QPushButton::clicked, this, &ProfilesDialog::removeCurrent);
    connect(import, &QPushButton::clicked, this, &ProfilesDialog::importFromSshConfig);
    connect(save, &QPushButton::clicked, this, &ProfilesDialog::saveCurrent);
    connect(forget, &QPushButton::clicked, this, &ProfilesDialog::forgetPassword);
    connect(list_, &QListWidget::currentRowChanged, this, &ProfilesDialog::showProfile);

    auto loaded = jobs::load_profiles(file_.toStdString());
    if (loaded)
        profiles_ = std::move(*loaded);
    else
        message_->setText(text(loaded.error().message));
    reloadList(profiles_.empty() ? -1 : 0);
    if (profiles_.empty()) newProfile();
}

void ProfilesDialog::setJobsService(JobsService* service, H5Service* planner) {
    if (!service || actions_) return;
    actions_ = new ProfileActions(
        *service, [this] { return checkedForm(); },
        [this]() -> std::optional<jobs::ClusterProfile> {
            if (!saveCurrent()) return std::nullopt;
            return profiles_[static_cast<std::size_t>(current_)];
        },
        this);
    actions_->setPlanner(planner);
    right_->addWidget(actions_);
    // The deployed engine's path was written into the file: show it.
    connect(actions_, &ProfileActions::engineDeployed, this, [this](const QString& name) {
        auto loaded = jobs::load_profiles(file_.toStdString());
        if (!loaded) return message_->setText(text(loaded.error().message));
        profiles_ = std::move(*loaded);
        const auto it = std::ranges::find(profiles_, name.toStdString(), &jobs::ClusterProfile::name);
        const int at = it == profiles_.end() ? -1 : static_cast<int>(it - profiles_.begin());
        const QSignalBlocker block(list_);
        list_->clear();
        for (const auto& p : profiles_)
            list_->addItem(text(p.name));
        list_->setCurrentRow(at);
        current_ = at;
        if (at >= 0) engine_->setText(text(profiles_[static_cast<std::size_t>(at)].engine.value));
        engine_kind_->setCurrentIndex(0);
    });
}

std::optional<jobs::ClusterProfile> ProfilesDialog::checkedForm() {
    auto p = fromForm();
    if (auto st = jobs::validate_profile(p); !st) {
        showProblem(st.error());
        return std::nullopt;
    }
    message_->clear();
    return p;
}

// The refusal is about what the field held: editing it makes the message stale.
void ProfilesDialog::clearProblemOnEdit(QWidget* editor) {
    const auto edited = [this, editor] {
        if (editor != problem_widget_) return;
        problem_widget_ = nullptr;
        message_->clear();
    };
    if (auto* line = qobject_cast<QLineEdit*>(editor)) connect(line, &QLineEdit::textEdited, this, edited);
    if (auto* text = qobject_cast<QPlainTextEdit*>(editor))
        connect(text, &QPlainTextEdit::textChanged, this, edited);
    if (auto* spin = qobject_cast<QSpinBox*>(editor)) connect(spin, &QSpinBox::valueChanged, this, edited);
    if (auto* combo = qobject_cast<QComboBox*>(editor))
        connect(combo, &QComboBox::currentIndexChanged, this, edited);
}

// A list's element counts the non-empty lines (lines() above); the cursor goes to that line.
void ProfilesDialog::showProblem(const Error& error) {
    const auto found = error.field ? fields_.find(error.field->key) : fields_.end();
    problem_widget_ = found == fields_.end() ? nullptr : found->second.widget;
    if (found == fields_.end()) return message_->setText(text(error.message));
    const auto& [key, field] = *found;
    const auto element = error.field->element;
    for (int i = 0; i < pages_->count(); ++i)
        if (pages_->widget(i)->isAncestorOf(field.widget)) pages_->setCurrentIndex(i);
    QString label = field.label;
    if (auto* edit = qobject_cast<QPlainTextEdit*>(field.widget); edit && element) {
        int non_empty = -1;
        for (auto block = edit->document()->begin(); block.isValid(); block = block.next()) {
            if (block.text().trimmed().isEmpty() || ++non_empty != static_cast<int>(*element)) continue;
            QTextCursor cursor(block);
            cursor.movePosition(QTextCursor::EndOfBlock);
            edit->setTextCursor(cursor);
            label = tr("%1, line %2").arg(label).arg(block.blockNumber() + 1);
            break;
        }
    }
    field.widget->setFocus(Qt::OtherFocusReason);
    if (auto* line = qobject_cast<QLineEdit*>(field.widget)) line->selectAll();
    // The message reads "profile 'x': key[i]: reason"; the label replaces everything up to the reason.
    const auto message = text(error.message);
    const auto spelled = text(element ? key + "[" + std::to_string(*element) + "]: " : key + ": ");
    const auto at = message.indexOf(spelled);
    message_->setText(at < 0 ? message : label + ": " + message.mid(at + spelled.size()));
}

QString ProfilesDialog::messageText() const {
    return message_->text();
}

void ProfilesDialog::reloadList(int select) {
    const QSignalBlocker block(list_);
    list_->clear();
    for (const auto& p : profiles_)
        list_->addItem(text(p.name));
    list_->setCurrentRow(select);
    if (select >= 0) showProfile(select);
}

void ProfilesDialog::newProfile() {
    showProfile(-1);
    const QSignalBlocker block(list_);
    list_->clearSelection();
    list_->setCurrentRow(-1);
    name_->setFocus();
}

void ProfilesDialog::importFromSshConfig() {
    QString file = ssh_config_;
    if (file.isEmpty()) {
        auto path = remote::user_ssh_config();
        if (!path) return message_->setText(text(path.error().message));
        file = QString::fromStdString(path->string());
    }
    SshImportDialog pick(file, qEnvironmentVariable("HOME"), this);
    if (pick.exec() != QDialog::Accepted) return;
    const auto host = pick.chosen();
    if (!host) return;
    newProfile();
    // The alias, not its HostName: ssh_config's User, Port, IdentityFile, ProxyJump... apply at login.
    name_->setText(
        text(std::ranges::find(profiles_, host->alias, &jobs::ClusterProfile::name) == profiles_.end()
                 ? host->alias
                 : host->alias + "-2"));
    host_->setText(text(host->alias));
    message_->setText(tr("From %1: %2 (%3). Fill in the scratch directory, then Save.")
                          .arg(file, text(host->alias),
                               text((host->user.empty() ? std::string() : host->user + "@") +
                                    (host->host_name.empty() ? host->alias : host->host_name) +
                                    (host->port ? ":" + std::to_string(*host->port) : std::string()))));
    scratch_->setFocus();
}

void ProfilesDialog::showProfile(int index) {
    current_ = index;
    const jobs::ClusterProfile p = index >= 0 && index < static_cast<int>(profiles_.size())
                                       ? profiles_[static_cast<std::size_t>(index)]
                                       : jobs::ClusterProfile{};
    name_->setText(text(p.name));
    scheduler_->setCurrentText(text(std::string(to_string(p.scheduler))));
    host_->setText(text(p.host));
    user_->setText(text(p.user));
    port_->setValue(p.port.value_or(0));
    scratch_->setText(text(p.scratch_dir));
    account_->setText(text(p.resources.account));
    partition_->setText(text(p.resources.partition));
    qos_->setText(text(p.resources.qos));
    nodes_->setValue(p.resources.nodes);
    tasks_->setValue(p.resources.tasks_per_node);
    walltime_->setText(text(p.resources.walltime));
    memory_->setText(text(p.resources.memory));
    modules_->setPlainText(joined(p.modules));
    environment_->setPlainText(joined(p.environment));
    directives_->setPlainText(joined(p.extra_directives));
    prologue_->setPlainText(joined(p.prologue));
    engine_kind_->setCurrentIndex(static_cast<int>(p.engine.kind == jobs::EngineCommand::Kind::path     ? 0
                                                   : p.engine.kind == jobs::EngineCommand::Kind::module ? 1
                                                                                                        : 2));
    engine_->setText(text(p.engine.value));
    locking_->setChecked(p.hdf5_file_locking);
    deploy_in_job_->setChecked(p.deploy_in_job);
    srun_mpi_->setText(text(p.srun_mpi));
    streams_->setValue(p.transfer_streams);
    message_->clear();
    if (actions_) actions_->clear();
}

jobs::ClusterProfile ProfilesDialog::fromForm() const {
    jobs::ClusterProfile p;
    p.name = name_->text().trimmed().toStdString();
    p.scheduler =
        jobs::scheduler_from_string(scheduler_->currentText().toStdString()).value_or(jobs::Scheduler::slurm);
    p.host = host_->text().trimmed().toStdString();
    p.user = user_->text().trimmed().toStdString();
    if (port_->value() > 0) p.port = port_->value();
    p.scratch_dir = scratch_->text().trimmed().toStdString();
    p.resources.account = account_->text().trimmed().toStdString();
    p.resources.partition = partition_->text().trimmed().toStdString();
    p.resources.qos = qos_->text().trimmed().toStdString();
    p.resources.nodes = nodes_->value();
    p.resources.tasks_per_node = tasks_->value();
    p.resources.walltime = walltime_->text().trimmed().toStdString();
    p.resources.memory = memory_->text().trimmed().toStdString();
    p.modules = lines(modules_);
    p.environment = lines(environment_);
    p.extra_directives = lines(directives_);
    p.prologue = lines(prologue_);
    using Kind = jobs::EngineCommand::Kind;
    p.engine.kind =
        std::array{Kind::path, Kind::module,
                   Kind::container}[static_cast<std::size_t>(std::clamp(engine_kind_->currentIndex(), 0, 2))];
    p.engine.value = engine_->text().trimmed().toStdString();
    p.hdf5_file_locking = locking_->isChecked();
    p.deploy_in_job = deploy_in_job_->isChecked();
    p.srun_mpi = srun_mpi_->text().trimmed().toStdString();
    p.transfer_streams = streams_->value();
    return p;
}

bool ProfilesDialog::saveCurrent() {
    auto checked = checkedForm();
    if (!checked) return false;
    const auto& p = *checked;
    auto next = profiles_;
    if (current_ >= 0 && current_ < static_cast<int>(next.size()))
        next[static_cast<std::size_t>(current_)] = p;
    else
        next.push_back(p);
    if (auto st = jobs::save_profiles(file_.toStdString(), next); !st) {
        showProblem(st.error()); // e.g. two profiles with one name
        return false;
    }
    profiles_ = std::move(next);
    const int at = current_ >= 0 ? current_ : static_cast<int>(profiles_.size()) - 1;
    reloadList(at);
    message_->setText(tr("Saved in %1.").arg(file_));
    return true;
}

void ProfilesDialog::removeCurrent() {
    if (current_ < 0 || current_ >= static_cast<int>(profiles_.size())) return;
    auto next = profiles_;
    next.erase(next.begin() + current_);
    if (auto st = jobs::save_profiles(file_.toStdString(), next); !st) {
        message_->setText(text(st.error().message));
        return;
    }
    profiles_ = std::move(next);
    reloadList(profiles_.empty() ? -1 : 0);
    if (profiles_.empty()) newProfile();
}

// The key is the account a login reaches, ssh_config applied (a `Host` alias names its HostName, User
// and Port), as jobs::ClusterClient's login computes it.
void ProfilesDialog::forgetPassword() {
    if (current_ < 0 || current_ >= static_cast<int>(profiles_.size()))
        return message_->setText(tr("Select a saved profile first."));
    auto peer =
        remote::Session::peer_of(jobs::session_options_for(profiles_[static_cast<std::size_t>(current_)]));
    if (!peer) return message_->setText(text(peer.error().message));
    const auto key = text(*peer);
    if (const auto why_not = keychain::unavailableReason(); !why_not.isEmpty())
        return message_->setText(why_not);
    keychain::read(key, this, [this, key](std::optional<std::string> saved) {
        if (!saved) return message_->setText(tr("No password is saved for %1.").arg(key));
        keychain::remove(key, this, [this, key](const QString& error) {
            message_->setText(error.isEmpty()
                                  ? tr("Forgot the password saved for %1.").arg(key)
                                  : tr("Could not remove the password for %1: %2").arg(key, error));
        });
    });
}

} // namespace sluice::gui
