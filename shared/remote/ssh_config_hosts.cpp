#include "remote/ssh_config_hosts.hpp"

#include "remote/known_hosts.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <glob.h>
#include <set>

namespace sluice::remote {
namespace {

namespace fs = std::filesystem;

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

// A host matches a Host line when one pattern matches and no negated one (`!pattern`) does: the
// known_hosts rule, with OpenSSH's wildcards (* and ?), in lower case.
bool matches(const std::vector<std::string>& patterns, std::string_view host) {
    std::string list;
    for (const auto& p : patterns)
        list += (list.empty() ? "" : ",") + p;
    return host_matches(list, host);
}

bool is_alias(std::string_view s) {
    return !s.empty() && s.front() != '-' && std::ranges::all_of(s, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    });
}

// A line's words: the keyword ends at a blank or `=`; then the arguments, separated by blanks,
// double quotes grouping.
std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    const auto key_end = std::min(line.find_first_of(" \t="), line.size());
    out.emplace_back(line.substr(0, key_end));
    std::size_t i = line.find_first_not_of(" \t", key_end);
    if (i != std::string_view::npos && line[i] == '=') ++i;
    std::string current;
    bool quoted = false, have = false;
    for (; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            quoted = !quoted;
            have = true;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            if (have) out.push_back(std::move(current));
            current.clear();
            have = false;
        } else {
            current += c;
            have = true;
        }
    }
    if (have) out.push_back(std::move(current));
    return out;
}

struct Block {
    std::vector<std::string> patterns;
    bool match = false; ///< a Match block: never applied
    std::vector<std::pair<std::string, std::string>> settings;
};

class Parser {
public:
    Parser(fs::path ssh_dir, fs::path home) : ssh_dir_(std::move(ssh_dir)), home_(std::move(home)) {
        blocks_.push_back({{"*"}, false, {}}); // lines before the first Host apply to every host
    }

    void parse(std::string_view text, const fs::path& file, int depth) {
        std::size_t start = 0;
        while (start < text.size()) {
            auto end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            line(text.substr(start, end - start), file, depth);
            start = end + 1;
        }
    }

    void read(const fs::path& file, int depth) {
        if (++files_ > max_ssh_config_files) {
            if (files_ == max_ssh_config_files + 1)
                notes_.push_back(
                    fmt::format("more than {} files included: the rest are not read", max_ssh_config_files));
            return;
        }
        std::ifstream in(file, std::ios::binary);
        if (!in) return notes_.push_back(fmt::format("{}: cannot be read", printable_utf8(file.string())));
        std::string text(max_ssh_config_bytes + 1, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_ssh_config_bytes) {
            text.resize(max_ssh_config_bytes);
            text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n'));
            notes_.push_back(fmt::format("{}: larger than {} MiB, only its start was read",
                                         printable_utf8(file.string()), max_ssh_config_bytes >> 20));
        }
        parse(text, file, depth);
    }

    SshConfigHosts result() {
        SshConfigHosts out;
        out.notes = std::move(notes_);
        for (const auto& alias : aliases_) {
            SshConfigHost h;
            h.alias = alias;
            bool host_set = false, user_set = false, port_set = false;
            for (const auto& b : blocks_) {
                if (b.match || !matches(b.patterns, alias)) continue;
                for (const auto& [key, value] : b.settings) {
                    if (key == "hostname" && !host_set) {
                        host_set = true;
                        h.host_name = printable_utf8(expand_h(value, alias));
                    } else if (key == "user" && !user_set) {
                        user_set = true;
                        h.user = printable_utf8(value);
                    } else if (key == "port" && !port_set) {
                        port_set = true;
                        int port = 0;
                        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
                        if (ec == std::errc() && p == value.data() + value.size() && port >= 1 &&
                            port <= 65535)
                            h.port = port;
                    }
                }
            }
            out.hosts.push_back(std::move(h));
        }
        return out;
    }

private:
    static std::string expand_h(const std::string& value, std::string_view alias) {
        std::string out;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '%' && i + 1 < value.size() && value[i + 1] == 'h') {
                out += alias;
                ++i;
            } else {
                out += value[i];
            }
        }
        return out;
    }

    void line(std::string_view text, const fs::path& file, int depth) {
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        const auto first = text.find_first_not_of(" \t");
        if (first == std::string_view::npos || text[first] == '#') return;
        auto w = words(text.substr(first));
        if (w.empty()) return;
        const auto& key = w.front();
        if (iequals(key, "Host")) {
            blocks_.push_back({{w.begin() + 1, w.end()}, false, {}});
            for (std::size_t i = 1; i < w.size(); ++i) {
                const auto& p = w[i];
                if (p.find_first_of("*?!") != std::string::npos) continue; // a wildcard: no one host
                if (!is_alias(p)) {
                    notes_.push_back(fmt::format("Host '{}' in {}: not a host name a profile takes",
                                                 printable_utf8(p),
                                                 printable_utf8(file.filename().string())));
                    continue;
                }
                if (seen_.insert(p).second) aliases_.push_back(p);
            }
        } else if (iequals(key, "Match")) {
            blocks_.push_back({{}, true, {}});
        } else if (iequals(key, "Include")) {
            include({w.begin() + 1, w.end()}, depth);
        } else if (w.size() >= 2) {
            std::string k;
            for (const char c : key)
                k += lower(c);
            if (k == "hostname" || k == "user" || k == "port") blocks_.back().settings.emplace_back(k, w[1]);
        }
    }

    void include(const std::vector<std::string>& paths, int depth) {
        if (depth + 1 > max_ssh_config_depth) {
            notes_.push_back(
                fmt::format("Include nested deeper than {}: not followed", max_ssh_config_depth));
            return;
        }
        // The included lines belong to the block the Include is in, and that block goes on after them.
        const Block context{blocks_.back().patterns, blocks_.back().match, {}};
        for (const auto& p : paths) {
            fs::path pattern = p.starts_with("~/") ? home_ / p.substr(2) : fs::path(p);
            if (pattern.is_relative()) pattern = ssh_dir_ / pattern;
            glob_t found{};
            if (::glob(pattern.c_str(), 0, nullptr, &found) == 0)
                for (std::size_t i = 0; i < found.gl_pathc; ++i) {
                    blocks_.push_back(context);
                    read(found.gl_pathv[i], depth + 1);
                }
            ::globfree(&found);
        }
        blocks_.push_back(context);
    }

    fs::path ssh_dir_, home_;
    std::vector<Block> blocks_;
    std::vector<std::string> aliases_;
    std::set<std::string> seen_;
    std::vector<std::string> notes_;
    std::size_t files_ = 0;
};

} // namespace

SshConfigHosts parse_ssh_config(std::string_view text, const fs::path& file, const fs::path& ssh_dir,
                                const fs::path& home) {
    Parser parser(ssh_dir, home);
    parser.parse(text.substr(0, max_ssh_config_bytes), file, 0);
    return parser.result();
}

SshConfigHosts read_ssh_config(const fs::path& file, const fs::path& home) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return {};
    Parser parser(file.parent_path(), home);
    parser.read(file, 0);
    return parser.result();
}

Result<fs::path> user_ssh_config() {
    const char* home = std::getenv("HOME");
    if (!home || *home != '/') return fail(ErrorKind::io, "HOME is not set: cannot find ~/.ssh/config");
    return fs::path(home) / ".ssh" / "config";
}

} // namespace sluice::remote
