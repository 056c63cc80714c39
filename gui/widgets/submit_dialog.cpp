#include "widgets/submit_dialog.hpp"

#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "recipe/recipe.hpp"
#include "recipe/recipe_text.hpp"
#include "services/h5_service.hpp"
#include "services/jobs_service.hpp"
#include "util/sha256.hpp"
#include "widgets/profiles_dialog.hpp"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <set>

namespace sluice::gui {
namespace {

QString text(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace

SubmitDialog::SubmitDialog(H5Service& h5, QString profiles_file, jobs::NewJob job, QWidget* parent)
    : QDialog(parent), h5_(h5), profiles_file_(std::move(profiles_file)), job_(std::move(job)),
      profile_(new QComboBox(this)), walltime_(new QLineEdit(this)), nodes_(new QSpinBox(this)),
      tasks_(new QSpinBox(this)), partition_(new QLineEdit(this)), script_(new QPlainTextEdit(this)),
      message_(new QLabel(this)), submit_(new QPushButton(tr("Submit"), this)),
      suggestion_row_(new QWidget(this)), suggestion_text_(new QLabel(suggestion_row_)),
      use_suggestion_(new QPushButton(tr("Use"), suggestion_row_)) {
    setWindowTitle(tr("Submit to a cluster"));
    if (profiles_file_.isEmpty())
        if (auto path = jobs::default_profiles_path())
            profiles_file_ = QString::fromStdString(path->string());
    profile_->setObjectName(QStringLiteral("submit_profile"));
    message_->setObjectName(QStringLiteral("submit_message"));
    walltime_->setObjectName(QStringLiteral("submit_walltime"));
    nodes_->setObjectName(QStringLiteral("submit_nodes"));
    tasks_->setObjectName(QStringLiteral("submit_tasks"));
    suggestion_row_->setObjectName(QStringLiteral("submit_suggestion"));
    suggestion_text_->setObjectName(QStringLiteral("submit_suggestion_text"));
    suggestion_text_->setTextFormat(Qt::PlainText);
    suggestion_text_->setWordWrap(true);
    use_suggestion_->setObjectName(QStringLiteral("submit_use_suggestion"));
    use_suggestion_->setToolTip(tr("Fill in the nodes, ranks per node and walltime the study suggests"));
    auto* suggestion_layout = new QHBoxLayout(suggestion_row_);
    suggestion_layout->setContentsMargins(0, 0, 0, 0);
    suggestion_layout->addWidget(suggestion_text_, 1);
    suggestion_layout->addWidget(use_suggestion_);
    suggestion_row_->hide();
    nodes_->setRange(1, 100000);
    tasks_->setRange(1, 100000);
    walltime_->setPlaceholderText(tr("HH:MM:SS or D-HH:MM:SS"));
    script_->setReadOnly(true);
    script_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    script_->setMinimumSize(480, 320);
    message_->setWordWrap(true);
    submit_->setEnabled(false);

    auto* add_cluster = new QPushButton(tr("Add cluster…"), this);
    add_cluster->setObjectName(QStringLiteral("add_cluster"));
    auto* cluster_row = new QHBoxLayout;
    cluster_row->addWidget(profile_, 1);
    cluster_row->addWidget(add_cluster);
    auto* form = new QFormLayout;
    form->addRow(tr("Cluster"), cluster_row);
    form->addRow(suggestion_row_);
    form->addRow(tr("Walltime"), walltime_);
    form->addRow(tr("Nodes"), nodes_);
    form->addRow(tr("MPI ranks per node"), tasks_);
    form->addRow(tr("Partition / queue"), partition_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->addButton(submit_, QDialogButtonBox::AcceptRole);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    // The script runs the engine on recipe.json, which is uploaded beside it: both are shown.
    auto* recipe = recipe_ = new QPlainTextEdit(this);
    recipe->setObjectName(QStringLiteral("submit_recipe"));
    recipe->setReadOnly(true);
    recipe->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const auto parsed = recipe::parse_recipe(job_.recipe_json);
    recipe->setPlainText(parsed ? text(recipe::recipe_summary(*parsed)) : text(parsed.error().message));
    auto* script_side = new QWidget(this);
    auto* script_layout = new QVBoxLayout(script_side);
    script_layout->setContentsMargins(0, 0, 0, 0);
    script_layout->addWidget(new QLabel(tr("The job script, exactly as it will be submitted:"), script_side));
    script_layout->addWidget(script_);
    auto* recipe_side = new QWidget(this);
    auto* recipe_layout = new QVBoxLayout(recipe_side);
    recipe_layout->setContentsMargins(0, 0, 0, 0);
    recipe_layout->addWidget(new QLabel(tr("Its recipe.json:"), recipe_side));
    recipe_layout->addWidget(recipe);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(script_side);
    split->addWidget(recipe_side);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    layout->addWidget(message_);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (plan_) accept();
    });
    connect(profile_, &QComboBox::currentIndexChanged, this, &SubmitDialog::loadProfile);
    connect(add_cluster, &QPushButton::clicked, this, &SubmitDialog::addCluster);
    connect(use_suggestion_, &QPushButton::clicked, this, &SubmitDialog::useSuggestion);
    for (auto* edit : {walltime_, partition_})
        connect(edit, &QLineEdit::textEdited, this, &SubmitDialog::replan);
    for (auto* spin : {nodes_, tasks_})
        connect(spin, &QSpinBox::valueChanged, this, &SubmitDialog::replan);

    reloadProfiles();
}

void SubmitDialog::reloadProfiles(const QString& select) {
    const QString keep = select.isEmpty() ? profile_->currentText() : select;
    auto all = jobs::all_profiles(profiles_file_.toStdString());
    profiles_.clear();
    if (all)
        for (auto& p : *all)
            if (!jobs::is_local(p)) profiles_.push_back(std::move(p)); // "Run on This Computer" is that
    {
        const QSignalBlocker block(profile_);
        profile_->clear();
        for (const auto& p : profiles_)
            profile_->addItem(text(p.name));
        profile_->setCurrentIndex(std::max(0, profile_->findText(keep)));
    }
    if (!all) {
        message_->setText(text(all.error().message));
        return;
    }
    if (profiles_.empty()) {
        message_->setText(tr("There are no cluster profiles yet. Add one with Add cluster… (or with "
                             "`sluice-cli profile add`, see docs/CLUSTER.md); it appears here."));
        return;
    }
    if (job_.input_sha256)
        loadProfile();
    else
        startHashing();
}

void SubmitDialog::startHashing() {
    if (hashing_) return;
    hashing_ = true;
    // The input's hash goes into the script; it is computed once, off the UI thread.
    message_->setText(tr("Reading %1…").arg(text(job_.input.filename().string())));
    auto hashing = QtConcurrent::run([path = job_.input] { return sha256_file(path); });
    hashing.then(this, [this](Result<std::string> sha) {
        if (!sha) {
            message_->setText(text(sha.error().message));
            return;
        }
        job_.input_sha256 = *sha;
        loadProfile();
    });
}

void SubmitDialog::addCluster() {
    std::set<std::string> before;
    for (const auto& p : profiles_)
        before.insert(p.name);
    ProfilesDialog dialog(profiles_file_, this);
    dialog.setObjectName(QStringLiteral("profiles_dialog"));
    dialog.newProfile();
    dialog.exec();
    // The profile the user added (the last one when several were), else the selection as it was.
    QString added;
    for (const auto& p : dialog.profiles())
        if (!before.contains(p.name)) added = text(p.name);
    reloadProfiles(added);
}

void SubmitDialog::loadProfile() {
    const int i = profile_->currentIndex();
    if (i < 0 || i >= static_cast<int>(profiles_.size())) return;
    const auto& r = profiles_[static_cast<std::size_t>(i)].resources;
    const QSignalBlocker b1(walltime_), b2(nodes_), b3(tasks_), b4(partition_);
    walltime_->setText(text(r.walltime));
    nodes_->setValue(r.nodes);
    tasks_->setValue(r.tasks_per_node);
    partition_->setText(text(r.partition));
    // Another profile (or the same one edited in the profiles dialog): its own studies.
    suggested_for_.clear();
    requestSuggestion();
    replan();
}

std::optional<jobs::ClusterProfile> SubmitDialog::profile() const {
    const int i = profile_->currentIndex();
    if (i < 0 || i >= static_cast<int>(profiles_.size())) return std::nullopt;
    return profiles_[static_cast<std::size_t>(i)];
}

void SubmitDialog::replan() {
    auto p = profile();
    if (!p || !job_.input_sha256) return;
    auto job = job_;
    jobs::Resources r = p->resources;
    r.walltime = walltime_->text().trimmed().toStdString();
    r.nodes = nodes_->value();
    r.tasks_per_node = tasks_->value();
    r.partition = partition_->text().trimmed().toStdString();
    job.resources = r;
    job.profile = p->name;
    plan_.reset();
    submit_->setEnabled(false);
    // Only the newest request's answer is shown: the user may type faster than plans come back.
    const auto request = ++request_;
    h5_.planClusterJob(*p, job).then(this, [this, request](Result<jobs::JobPlan> plan) {
        if (request != request_) return;
        if (plan) {
            script_->setPlainText(text(plan->script));
            // The filters in words, then recipe.json byte for byte as it is uploaded.
            const auto parsed = recipe::parse_recipe(plan->record.recipe_json);
            recipe_->setPlainText((parsed ? text(recipe::recipe_summary(*parsed)) : QString()) + "\n\n" +
                                  text(plan->record.recipe_json));
            message_->setText(
                tr("The result will be downloaded to %1.").arg(text(plan->record.local_output)));
            if (!sizes_) {
                // The dataset and the recipe stay for the dialog's life; the profiles change.
                sizes_ = Sizes{plan->record.rows_total, plan->points, sha256_hex(plan->record.recipe_json)};
                requestSuggestion();
            }
            plan_ = std::move(*plan);
        } else {
            message_->setText(text(plan.error().message));
        }
        submit_->setEnabled(plan_.has_value());
        emit planned();
    });
}

void SubmitDialog::setJobsService(JobsService* jobs) {
    jobs_ = jobs;
    suggested_for_.clear();
    requestSuggestion();
}

void SubmitDialog::requestSuggestion() {
    const auto p = profile();
    const QString name = p ? text(p->name) : QString();
    if (!name.isEmpty() && name == suggested_for_) return; // asked for already
    suggestion_.reset();
    suggestion_row_->hide();
    const auto request = ++suggest_request_; // an answer for the previous profile is dropped
    suggested_for_.clear();
    suggesting_ = false;
    if (!p || !jobs_ || !sizes_) return;
    suggested_for_ = name;
    suggesting_ = true;
    jobs_->suggestResources(*p, sizes_->rows, sizes_->points, sizes_->recipe_sha256)
        .then(this, [this, request](Result<std::optional<jobs::ResourceSuggestion>> found) {
            if (request != suggest_request_) return;
            suggesting_ = false;
            showSuggestion(std::move(found));
        });
}

void SubmitDialog::showSuggestion(Result<std::optional<jobs::ResourceSuggestion>> found) {
    if (!found) {
        // Nothing to use, but the user learns why no study is offered.
        suggestion_text_->setText(
            tr("Scaling studies could not be read: %1").arg(text(found.error().message)));
        suggestion_text_->setToolTip({});
        use_suggestion_->hide();
        suggestion_row_->show();
        return;
    }
    suggestion_ = std::move(*found);
    suggestion_row_->setVisible(suggestion_.has_value());
    if (!suggestion_) return;
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(suggestion_->study_at.time_since_epoch())
            .count();
    const auto day = QDateTime::fromMSecsSinceEpoch(ms).date();
    const auto when =
        QLocale().toString(day, day.year() == QDate::currentDate().year() ? QStringLiteral("d MMM")
                                                                          : QStringLiteral("d MMM yyyy"));
    suggestion_text_->setText(
        tr("Scaling study of %1: %2%3")
            .arg(when, text(suggestion_->resources_text),
                 suggestion_->same_recipe ? QString() : tr(" (measured with another recipe)")));
    suggestion_text_->setToolTip(text(suggestion_->text));
    use_suggestion_->show();
}

void SubmitDialog::useSuggestion() {
    if (!suggestion_) return;
    const auto& r = suggestion_->resources;
    {
        const QSignalBlocker b1(walltime_), b2(nodes_), b3(tasks_);
        nodes_->setValue(r.nodes);
        tasks_->setValue(r.tasks_per_node);
        if (!r.walltime.empty()) walltime_->setText(text(r.walltime));
    }
    replan();
}

QString SubmitDialog::scriptText() const {
    return script_->toPlainText();
}
QString SubmitDialog::messageText() const {
    return message_->text();
}

} // namespace sluice::gui
