#pragma once
// The env files the test fixtures write (tests/cluster/up.sh's DIR/env, slurm_up.sh's slurm.env,
// pbs_up.sh's env) and whether a test that finds its fixture missing skips or fails.
#include <map>
#include <string>

namespace sluice::test {

/// KEY=value lines (value raw to the end of the line), as the fixtures' scripts write them; an
/// unreadable file is an empty map.
[[nodiscard]] std::map<std::string, std::string> read_env_file(const std::string& path);

/// Why a scheduler fixture's env file (read from `path`) cannot be used: the fixture's own SKIP reason,
/// or "no test <what> (<path> is missing or incomplete)" without `required`; empty when it can.
[[nodiscard]] std::string env_file_unavailable(const std::map<std::string, std::string>& env,
                                               const std::string& path, const std::string& required,
                                               const std::string& what);

/// CI=true: a missing fixture is a failure, not a skip (DESIGN §9).
[[nodiscard]] bool fixtures_strict();

} // namespace sluice::test
