#include "jobs/job_store.hpp"

#include "util/overloaded.hpp"
#include "util/process.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <random>
#include <sqlite3.h>
#include <system_error>
#include <unistd.h>
#include <variant>

namespace sluice::jobs {
namespace {

namespace fs = std::filesystem;

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::unexpected<Error> db_error(sqlite3* db, std::string_view what) {
    const int code = sqlite3_errcode(db);
    // Busy after the timeout: another Sluice process holds the store for too long.
    const auto kind = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? ErrorKind::refused : ErrorKind::io;
    return fail(kind, fmt::format("job store: {}: {}", what, sqlite3_errmsg(db)));
}

std::int64_t to_ms(WallClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallClock::time_point from_ms(std::int64_t ms) {
    return WallClock::time_point(
        std::chrono::duration_cast<WallClock::duration>(std::chrono::milliseconds(ms)));
}

/// One prepared statement: bind by position (1-based), step, read columns.
class Stmt {
public:
    static Result<Stmt> prepare(sqlite3* db, std::string_view sql) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
            return db_error(db, "preparing a query");
        return Stmt(db, StmtHandle(raw));
    }
    Stmt& bind(int i, std::string_view v) {
        sqlite3_bind_text(s_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(s_.get(), i, v);
        return *this;
    }
    Stmt& bind(int i, std::optional<int> v) {
        if (v)
            sqlite3_bind_int(s_.get(), i, *v);
        else
            sqlite3_bind_null(s_.get(), i);
        return *this;
    }
    /// true: a row is ready; false: done.
    Result<bool> step() {
        const int rc = sqlite3_step(s_.get());
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        return db_error(db_, "running a query");
    }
    Status run() {
        auto r = step();
        if (!r) return propagate(r);
        return {};
    }
    [[nodiscard]] std::string text(int col) const {
        const auto* p = sqlite3_column_text(s_.get(), col);
        return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_.get(), col)) : "";
    }
    [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(s_.get(), col); }
    [[nodiscard]] std::optional<int> optional_int(int col) const {
        if (sqlite3_column_type(s_.get(), col) == SQLITE_NULL) return std::nullopt;
        return sqlite3_column_int(s_.get(), col);
    }

private:
    Stmt(sqlite3* db, StmtHandle s) : db_(db), s_(std::move(s)) {}
    sqlite3* db_;
    StmtHandle s_;
};

Status exec(sqlite3* db, const char* sql, std::string_view what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db, what);
    return {};
}

/// BEGIN IMMEDIATE … COMMIT; rolled back when the scope ends without commit().
class Transaction {
public:
    static Result<Transaction> begin(sqlite3* db) {
        if (auto st = exec(db, "BEGIN IMMEDIATE", "starting a transaction"); !st) return propagate(st);
        return Transaction(db);
    }
    Transaction(Transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction() {
        if (db_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Status commit() {
        auto st = exec(db_, "COMMIT", "committing");
        if (st) db_ = nullptr;
        return st;
    }

private:
    explicit Transaction(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

// Version 1, then migrations keyed on PRAGMA user_version (a newer version is refused, never damaged).
constexpr const char* schema_v1 = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, profile TEXT NOT NULL, state TEXT NOT NULL, scheduler_id TEXT NOT NULL,
    submissions INTEGER NOT NULL, local_input TEXT NOT NULL, dataset TEXT NOT NULL,
    recipe_json TEXT NOT NULL, input_sha256 TEXT NOT NULL, remote_input TEXT NOT NULL,
    local_output TEXT NOT NULL, result_sha256 TEXT NOT NULL, resources_json TEXT NOT NULL, job_script TEXT NOT NULL,
    rows_done INTEGER NOT NULL, rows_total INTEGER NOT NULL, rows_at_submit INTEGER NOT NULL, exit_code INTEGER, message TEXT NOT NULL,
    created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, at_ms INTEGER NOT NULL,
    state TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_job ON events(job_id, at_ms);
CREATE TABLE IF NOT EXISTS lease (
    name TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, heartbeat_ms INTEGER NOT NULL);
PRAGMA user_version = 1;
)sql";

// Version 2: where a result was merged into its source (empty until then).
constexpr const char* migration_v2 = R"sql(
ALTER TABLE jobs ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
PRAGMA user_version = 2;
)sql";
// Version 3: what the scheduler and the job's files said at the last poll, for the job's details.
constexpr const char* migration_v3 = R"sql(
ALTER TABLE jobs ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN queue_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN started TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN ended TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN elapsed_s INTEGER NOT NULL DEFAULT -1;
ALTER TABLE jobs ADD COLUMN checked_ms INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 3;
)sql";
// Version 4: a job's kind (filter or scaling study) and the finished studies, for suggestions.
constexpr const char* migration_v4 = R"sql(
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'filter';
CREATE TABLE IF NOT EXISTS scaling_studies (
    job_id TEXT PRIMARY KEY, profile TEXT NOT NULL, rows INTEGER NOT NULL, points INTEGER NOT NULL,
    recipe_sha256 TEXT NOT NULL, at_ms INTEGER NOT NULL, study_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS studies_by_profile ON scaling_studies(profile, at_ms);
PRAGMA user_version = 4;
)sql";
constexpr std::int64_t schema_version = 4;

// The one place where JobRecord's fields meet the table's columns: SQL text, binding and reading all
// follow this list.
using Field = std::variant<std::string JobRecord::*, int JobRecord::*, std::int64_t JobRecord::*,
                           std::optional<int> JobRecord::*, WallClock::time_point JobRecord::*,
                           JobState JobRecord::*, JobKind JobRecord::*>;
struct Column {
    std::string_view name;
    Field field;
};
const std::array<Column, 29> columns = {{
    {"id", &JobRecord::id},
    {"profile", &JobRecord::profile},
    {"state", &JobRecord::state},
    {"scheduler_id", &JobRecord::scheduler_id},
    {"submissions", &JobRecord::submissions},
    {"local_input", &JobRecord::local_input},
    {"dataset", &JobRecord::dataset},
    {"recipe_json", &JobRecord::recipe_json},
    {"input_sha256", &JobRecord::input_sha256},
    {"remote_input", &JobRecord::remote_input},
    {"local_output", &JobRecord::local_output},
    {"result_sha256", &JobRecord::result_sha256},
    {"resources_json", &JobRecord::resources_json},
    {"job_script", &JobRecord::job_script},
    {"rows_done", &JobRecord::rows_done},
    {"rows_total", &JobRecord::rows_total},
    {"rows_at_submit", &JobRecord::rows_at_submit},
    {"exit_code", &JobRecord::exit_code},
    {"message", &JobRecord::message},
    {"created_ms", &JobRecord::created},
    {"updated_ms", &JobRecord::updated},
    {"merged_into", &JobRecord::merged_into},
    {"node", &JobRecord::node},
    {"queue_reason", &JobRecord::queue_reason},
    {"started", &JobRecord::started},
    {"ended", &JobRecord::ended},
    {"elapsed_s", &JobRecord::elapsed_s},
    {"checked_ms", &JobRecord::checked},
    {"kind", &JobRecord::kind},
}};

// "id, profile, ..." and "?1, ?2, ..." and "profile = ?2, ..." (id is column 1, the key).
std::string column_list() {
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "" : ", ") + std::string(c.name);
    return out;
}
std::string placeholders() {
    std::string out;
    for (std::size_t i = 1; i <= columns.size(); ++i)
        out += fmt::format("{}?{}", i > 1 ? ", " : "", i);
    return out;
}
std::string assignments() {
    std::string out;
    for (std::size_t i = 1; i < columns.size(); ++i)
        out += fmt::format("{}{} = ?{}", i > 1 ? ", " : "", columns[i].name, i + 1);
    return out;
}

void bind_job(Stmt& s, const JobRecord& j) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const int at = static_cast<int>(i) + 1;
        std::visit(overloaded{[&](std::string JobRecord::*m) { s.bind(at, j.*m); },
                              [&](int JobRecord::*m) { s.bind(at, std::int64_t{j.*m}); },
                              [&](std::int64_t JobRecord::*m) { s.bind(at, j.*m); },
                              [&](std::optional<int> JobRecord::*m) { s.bind(at, j.*m); },
                              [&](WallClock::time_point JobRecord::*m) { s.bind(at, to_ms(j.*m)); },
                              [&](JobState JobRecord::*m) { s.bind(at, to_string(j.*m)); },
                              [&](JobKind JobRecord::*m) { s.bind(at, to_string(j.*m)); }},
                   columns[i].field);
    }
}

Result<JobRecord> read_job(const Stmt& s) {
    JobRecord j;
    Status st;
    for (std::size_t i = 0; i < columns.size() && st; ++i) {
        const int at = static_cast<int>(i);
        std::visit(overloaded{[&](std::string JobRecord::*m) { j.*m = s.text(at); },
                              [&](int JobRecord::*m) { j.*m = static_cast<int>(s.integer(at)); },
                              [&](std::int64_t JobRecord::*m) { j.*m = s.integer(at); },
                              [&](std::optional<int> JobRecord::*m) { j.*m = s.optional_int(at); },
                              [&](WallClock::time_point JobRecord::*m) { j.*m = from_ms(s.integer(at)); },
                              [&](JobState JobRecord::*m) {
                                  auto state = job_state_from_string(s.text(at));
                                  if (state)
                                      j.*m = *state;
                                  else
                                      st = std::unexpected(
                                          state.error().context(fmt::format("job store: job {}", s.text(0))));
                              },
                              [&](JobKind JobRecord::*m) {
                                  auto kind = job_kind_from_string(s.text(at));
                                  if (kind)
                                      j.*m = *kind;
                                  else
                                      st = std::unexpected(
                                          kind.error().context(fmt::format("job store: job {}", s.text(0))));
                              }},
                   columns[i].field);
    }
    if (!st) return propagate(st);
    return j;
}

Status add_event(sqlite3* db, const JobRecord& j) {
    auto s = Stmt::prepare(db, "INSERT INTO events (job_id, at_ms, state, message) VALUES (?1, ?2, ?3, ?4)");
    if (!s) return propagate(s);
    s->bind(1, j.id).bind(2, to_ms(j.updated)).bind(3, to_string(j.state)).bind(4, j.message);
    return s->run();
}

bool process_gone(std::int64_t pid) {
    return pid > 0 && !process_exists(pid);
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

} // namespace

struct JobStore::Db {
    DbHandle handle;
    sqlite3* get() const { return handle.get(); }
};

Result<fs::path> default_job_store_path() {
    // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/')
        return fs::path(xdg) / "sluice" / "jobs.sqlite";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "share" / "sluice" / "jobs.sqlite";
    return fail(ErrorKind::io, "neither XDG_DATA_HOME nor HOME is set: cannot find jobs.sqlite");
}

Result<JobStore> JobStore::open(const fs::path& file) {
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    if (ec)
        return fail(ErrorKind::io, fmt::format("job store: cannot create {}: {}", file.parent_path().string(),
                                               ec.message()));
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    DbHandle db(raw);
    if (rc != SQLITE_OK)
        return fail(ErrorKind::io, fmt::format("job store: cannot open {}: {}", file.string(),
                                               raw ? sqlite3_errmsg(raw) : "out of memory"));
    // The GUI and sluice-cli may both have the file open: readers never block the writer (WAL), and a
    // writer waits for another's transaction instead of failing at once.
    sqlite3_busy_timeout(db.get(), 10'000);
    const char* setup = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
    if (auto st = exec(db.get(), setup, fmt::format("setting up {}", file.string()).c_str()); !st)
        return propagate(st);
    auto version = Stmt::prepare(db.get(), "PRAGMA user_version");
    if (!version) return propagate(version);
    if (auto row = version->step(); !row) return propagate(row);
    const auto v = version->integer(0);
    if (v > schema_version)
        return fail(ErrorKind::refused,
                    fmt::format("job store {} was written by a newer Sluice (schema {}); update Sluice",
                                file.string(), v));
    if (v < schema_version) {
        auto tx = Transaction::begin(db.get());
        if (!tx) return propagate(tx);
        if (v < 1)
            if (auto st = exec(db.get(), schema_v1, "creating tables"); !st) return propagate(st);
        if (v < 2)
            if (auto st = exec(db.get(), migration_v2, "updating the tables"); !st) return propagate(st);
        if (v < 3)
            if (auto st = exec(db.get(), migration_v3, "updating the tables"); !st) return propagate(st);
        if (v < 4)
            if (auto st = exec(db.get(), migration_v4, "updating the tables"); !st) return propagate(st);
        if (auto st = tx->commit(); !st) return propagate(st);
    }
    return JobStore(std::make_unique<Db>(Db{std::move(db)}));
}

JobStore::JobStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
JobStore::JobStore(JobStore&&) noexcept = default;
JobStore& JobStore::operator=(JobStore&&) noexcept = default;
JobStore::~JobStore() = default;

Status JobStore::insert(const JobRecord& job) {
    if (job.id.empty()) return fail(ErrorKind::bad_input, "job store: a job needs an id");
    auto tx = Transaction::begin(db_->get());
    if (!tx) return propagate(tx);
    auto s = Stmt::prepare(db_->get(),
                           fmt::format("INSERT INTO jobs ({}) VALUES ({})", column_list(), placeholders()));
    if (!s) return propagate(s);
    bind_job(*s, job);
    if (auto st = s->run(); !st)
        return sqlite3_extended_errcode(db_->get()) == SQLITE_CONSTRAINT_PRIMARYKEY
                   ? fail(ErrorKind::refused, fmt::format("job store: job {} exists already", job.id))
                   : st;
    if (auto st = add_event(db_->get(), job); !st) return st;
    return tx->commit();
}

Status JobStore::update(const JobRecord& job) {
    auto tx = Transaction::begin(db_->get());
    if (!tx) return propagate(tx);
    auto old = Stmt::prepare(db_->get(), "SELECT state, message FROM jobs WHERE id = ?1");
    if (!old) return propagate(old);
    old->bind(1, job.id);
    auto found = old->step();
    if (!found) return propagate(found);
    if (!*found) return fail(ErrorKind::bad_input, fmt::format("job store: no job {}", job.id));
    const bool changed = old->text(0) != to_string(job.state) || old->text(1) != job.message;

    auto s = Stmt::prepare(db_->get(), fmt::format("UPDATE jobs SET {} WHERE id = ?1", assignments()));
    if (!s) return propagate(s);
    bind_job(*s, job);
    if (auto st = s->run(); !st) return st;
    if (changed)
        if (auto st = add_event(db_->get(), job); !st) return st;
    return tx->commit();
}

Result<std::optional<JobRecord>> JobStore::find(std::string_view id) const {
    auto s = Stmt::prepare(db_->get(), fmt::format("SELECT {} FROM jobs WHERE id = ?1", column_list()));
    if (!s) return propagate(s);
    s->bind(1, id);
    auto row = s->step();
    if (!row) return propagate(row);
    if (!*row) return std::optional<JobRecord>();
    auto job = read_job(*s);
    if (!job) return propagate(job);
    return std::optional<JobRecord>(std::move(*job));
}

Result<std::vector<JobRecord>> JobStore::list() const {
    auto s =
        Stmt::prepare(db_->get(), fmt::format("SELECT {} FROM jobs ORDER BY created_ms, id", column_list()));
    if (!s) return propagate(s);
    std::vector<JobRecord> jobs;
    for (;;) {
        auto row = s->step();
        if (!row) return propagate(row);
        if (!*row) return jobs;
        auto job = read_job(*s);
        if (!job) return propagate(job);
        jobs.push_back(std::move(*job));
    }
}

Status JobStore::remove(std::string_view id) {
    auto s = Stmt::prepare(db_->get(), "DELETE FROM jobs WHERE id = ?1");
    if (!s) return propagate(s);
    s->bind(1, id);
    if (auto st = s->run(); !st) return st;
    if (sqlite3_changes(db_->get()) != 1)
        return fail(ErrorKind::bad_input, fmt::format("job store: no job {}", id));
    return {};
}

Result<std::vector<JobEvent>> JobStore::events(std::string_view id) const {
    auto s = Stmt::prepare(
        db_->get(), "SELECT at_ms, state, message FROM events WHERE job_id = ?1 ORDER BY at_ms, rowid");
    if (!s) return propagate(s);
    s->bind(1, id);
    std::vector<JobEvent> out;
    for (;;) {
        auto row = s->step();
        if (!row) return propagate(row);
        if (!*row) return out;
        auto state = job_state_from_string(s->text(1));
        if (!state) return propagate(state);
        out.push_back({from_ms(s->integer(0)), *state, s->text(2)});
    }
}

Status JobStore::add_study(const StoredStudy& x) {
    auto s =
        Stmt::prepare(db_->get(), "INSERT OR REPLACE INTO scaling_studies (job_id, profile, rows, points, "
                                  "recipe_sha256, at_ms, study_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!s) return propagate(s);
    s->bind(1, x.job_id).bind(2, x.profile).bind(3, x.rows).bind(4, x.points);
    s->bind(5, x.recipe_sha256).bind(6, to_ms(x.at)).bind(7, x.study_json);
    return s->run();
}

Result<std::vector<StoredStudy>> JobStore::studies(std::string_view profile) const {
    auto s =
        Stmt::prepare(db_->get(), "SELECT job_id, profile, rows, points, recipe_sha256, at_ms, study_json "
                                  "FROM scaling_studies WHERE profile = ?1 ORDER BY at_ms DESC, job_id DESC");
    if (!s) return propagate(s);
    s->bind(1, profile);
    std::vector<StoredStudy> out;
    for (;;) {
        auto row = s->step();
        if (!row) return propagate(row);
        if (!*row) return out;
        out.push_back({s->text(0), s->text(1), s->integer(2), s->integer(3), s->text(4),
                       from_ms(s->integer(5)), s->text(6)});
    }
}

Result<bool> JobStore::acquire_lease(const Lease& me, std::chrono::seconds ttl) {
    auto tx = Transaction::begin(db_->get());
    if (!tx) return propagate(tx);
    auto holder = lease();
    if (!holder) return propagate(holder);
    if (*holder) {
        const auto& h = **holder;
        const bool mine = h.pid == me.pid && h.host == me.host;
        const bool stale = me.heartbeat - h.heartbeat > ttl;
        const bool dead = h.host == me.host && process_gone(h.pid);
        if (!mine && !stale && !dead) return false;
    }
    auto s = Stmt::prepare(db_->get(), "INSERT OR REPLACE INTO lease (name, pid, host, heartbeat_ms) "
                                       "VALUES ('poller', ?1, ?2, ?3)");
    if (!s) return propagate(s);
    s->bind(1, me.pid).bind(2, me.host).bind(3, to_ms(me.heartbeat));
    if (auto st = s->run(); !st) return propagate(st);
    if (auto st = tx->commit(); !st) return propagate(st);
    return true;
}

Status JobStore::renew_lease(const Lease& me) {
    auto s =
        Stmt::prepare(db_->get(), "UPDATE lease SET heartbeat_ms = ?3 WHERE name = 'poller' AND pid = ?1 "
                                  "AND host = ?2");
    if (!s) return propagate(s);
    s->bind(1, me.pid).bind(2, me.host).bind(3, to_ms(me.heartbeat));
    if (auto st = s->run(); !st) return st;
    if (sqlite3_changes(db_->get()) != 1)
        return fail(ErrorKind::refused, "job store: another Sluice process took over polling");
    return {};
}

Status JobStore::release_lease(const Lease& me) {
    auto s = Stmt::prepare(db_->get(), "DELETE FROM lease WHERE name = 'poller' AND pid = ?1 AND host = ?2");
    if (!s) return propagate(s);
    s->bind(1, me.pid).bind(2, me.host);
    return s->run();
}

Result<std::optional<Lease>> JobStore::lease() const {
    auto s = Stmt::prepare(db_->get(), "SELECT pid, host, heartbeat_ms FROM lease WHERE name = 'poller'");
    if (!s) return propagate(s);
    auto row = s->step();
    if (!row) return propagate(row);
    if (!*row) return std::optional<Lease>();
    return std::optional<Lease>(Lease{s->integer(0), s->text(1), from_ms(s->integer(2))});
}

Lease this_process_lease(WallClock::time_point now) {
    return Lease{::getpid(), host_name(), now};
}

std::string new_job_id(WallClock::time_point now) {
    const auto t = WallClock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::random_device rd;
    return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}-{:06x}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, rd() & 0xffffffu);
}

} // namespace sluice::jobs
