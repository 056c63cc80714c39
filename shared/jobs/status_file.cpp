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

Result<EngineProgress> parse_engine_progress(std::string_view json_text) {
    const auto bad = [](std::string_view why) {
        return fail(ErrorKind::internal, fmt::format("cannot parse progress.json: {}", why));
    };
    const json doc = json::parse(json_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return bad(fmt::format("not a JSON object: '{}'", printable(detail::trim(json_text))));
    EngineProgress p;
    const auto state = doc.find("state");
    if (state == doc.end() || !state->is_string()) return bad("no state");
    p.state = state->get<std::string>();
    for (const auto& [key, field] :
         {std::pair{"rows_done", &p.rows_done}, std::pair{"rows_total", &p.rows_total}}) {
        const auto v = doc.find(key);
        if (v == doc.end() || !v->is_number_integer() || v->get<std::int64_t>() < 0)
            return bad(fmt::format("{} is not a count", key));
        *field = v->get<std::int64_t>();
    }
    for (const auto& [key, field] : {std::pair{"rows_per_s", &p.rows_per_s}, std::pair{"eta_s", &p.eta_s}})
        if (const auto v = doc.find(key); v != doc.end() && v->is_number()) *field = v->get<double>();
    return p;
}

Result<std::map<std::string, JobFiles>> parse_status_listing(std::string_view out) {
    std::map<std::string, JobFiles> result;
    const auto all = detail::lines(out);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto line = all[i];
        if (detail::trim(line).empty()) continue;
        const auto parts = detail::split(line, ' ', 3);
        const bool input = parts.size() == 3 && parts[1] == "input" &&
                           (detail::trim(parts[2]) == "present" || detail::trim(parts[2]) == "missing");
        if (parts.size() != 3 || !check_job_id(parts[0]) ||
            (parts[1] != "status" && parts[1] != "progress" && !input))
            return detail::cannot_parse("status listing", i + 1, line,
                                        "expected '<job-id> status|progress <json>' or '<job-id> input "
                                        "present|missing'");
        auto& files = result[std::string(parts[0])];
        if (input)
            files.input_present = detail::trim(parts[2]) == "present";
        else if (parts[1] == "status")
            files.status = parse_status_file(parts[2]);
        else
            files.progress = parse_engine_progress(parts[2]);
    }
    return result;
}

} // namespace sluice::jobs
