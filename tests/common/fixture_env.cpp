#include "fixture_env.hpp"

#include <cstdlib>
#include <fstream>

namespace sluice::test {

std::map<std::string, std::string> read_env_file(const std::string& path) {
    std::map<std::string, std::string> values;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (const auto eq = line.find('='); eq != std::string::npos)
            values[line.substr(0, eq)] = line.substr(eq + 1);
    return values;
}

std::string env_file_unavailable(const std::map<std::string, std::string>& env, const std::string& path,
                                 const std::string& required, const std::string& what) {
    if (const auto skip = env.find("SKIP"); skip != env.end()) return skip->second;
    if (!env.contains(required)) return "no test " + what + " (" + path + " is missing or incomplete)";
    return {};
}

bool fixtures_strict() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

} // namespace sluice::test
