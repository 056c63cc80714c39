#include "jobs/status_file.hpp"

#include "jobs/parse_support.hpp"

#include <nlohmann/json.hpp>

namespace sluice::jobs {
namespace {

using nlohmann::json;

auto bad_status(std::string_view why) {
    return fail(ErrorKind::internal, fmt::format("cannot parse status.json: {}", why));
}

} // namespace

Result<JobStatusFile> parse_status_file(std::string_view json_text) {
    const json doc = json::parse(json_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return bad_status(fmt::format("not a JSON object: '{}'", printable(detail::trim(json_text))));
    JobStatusFile s;
    const auto state = doc.find("state");
    if (state == doc.end() || !state->is_string()) return bad_status("no state");
    const auto name = state->get<std::string>();
    if (name == "running")
        s.state = JobState::running;
    else if (name == "completed")
        s.state = JobState::completed;
    else if (name == "stopped")
        s.state = JobState::stopped;
    else if (name == "failed")
        s.state = JobState::failed;
    else
        return bad_status(fmt::format("unknown state '{}'", printable(name)));
    if (const auto c = doc.find("exit_code"); c != doc.end() && !c->is_null()) {
        if (!c->is_number_integer()) return bad_status("exit_code is not an integer");
        s.exit_code = c->get<int>();
    }
    const auto text = [&](const char* key, bool required) -> Result<std::optional<std::string>> {
        const auto v = doc.find(key);
        if (v == doc.end() || v->is_null()) {
            if (required) return bad_status(fmt::format("no {}", key));
            return std::optional<std::string>();
        }
        if (!v->is_string()) return bad_status(fmt::format("{} is not a string", key));
        return std::optional<std::string>(v->get<std::string>());
    };
    auto started = text("started", true);
    auto ended = text("ended", false);
    auto host = text("host", false);
    auto progress = text("engine_progress", false);
    for (const auto* r : {&started, &ended, &host, &progress})
        if (!*r) return std::unexpected(r->error());
    s.started = **started;
    s.ended = *ended;
    s.host = host->value_or("");
    s.engine_progress = progress->value_or("");
    return s;
}

Result<std::map<std::string, Result<JobStatusFile>>> parse_status_listing(std::string_view out) {
    std::map<std::string, Result<JobStatusFile>> result;
    const auto all = detail::lines(out);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto line = all[i];
        if (detail::trim(line).empty()) continue;
        const auto space = line.find(' ');
        if (space == std::string_view::npos || !check_job_id(line.substr(0, space)))
            return detail::cannot_parse("status listing", i + 1, line, "expected '<job-id> <json>'");
        result.insert_or_assign(std::string(line.substr(0, space)),
                                parse_status_file(line.substr(space + 1)));
    }
    return result;
}

} // namespace sluice::jobs
