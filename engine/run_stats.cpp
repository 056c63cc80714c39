#include "run_stats.hpp"

#include "mpi_env.hpp"
#include "util/atomic_file.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <time.h>
#include <unistd.h>

namespace sluice::engine {
namespace {

constexpr const char* kPhaseNames[] = {
    "startup_process", "startup_mpi", "startup_prepare", "startup_open", "read",  "compute",
    "write",           "checkpoint",  "collectives",     "progress",     "finish"};
static_assert(std::size(kPhaseNames) == static_cast<std::size_t>(Phase::count));

// The numbers of one rank as doubles, for one MPI_Gather.
constexpr std::size_t kFields = static_cast<std::size_t>(Phase::count) + 7;

std::array<double, kFields> pack(const RankStats& s) {
    std::array<double, kFields> a{};
    std::size_t i = 0;
    for (double v : s.phase_s)
        a[i++] = v;
    a[i++] = s.convert_s;
    a[i++] = s.fft_mask_s;
    a[i++] = s.noise_floor_s;
    a[i++] = s.wall_s;
    a[i++] = static_cast<double>(s.rows);
    a[i++] = static_cast<double>(s.checkpoints);
    a[i++] = s.overlapped ? 1 : 0;
    return a;
}

RankStats unpack(const double* a) {
    RankStats s;
    std::size_t i = 0;
    for (double& v : s.phase_s)
        v = a[i++];
    s.convert_s = a[i++];
    s.fft_mask_s = a[i++];
    s.noise_floor_s = a[i++];
    s.wall_s = a[i++];
    s.rows = static_cast<std::uint64_t>(a[i++]);
    s.checkpoints = static_cast<std::uint64_t>(a[i++]);
    s.overlapped = a[i++] != 0;
    return s;
}

double r4(double v) {
    return std::round(v * 1e4) / 1e4;
}

nlohmann::ordered_json describe(const RankStats& s, double wall) {
    nlohmann::ordered_json phases, compute;
    double sum = 0;
    for (std::size_t p = 0; p < s.phase_s.size(); ++p) {
        phases[kPhaseNames[p]] = r4(s.phase_s[p]);
        sum += s.phase_s[p];
    }
    compute["convert"] = r4(s.convert_s);
    compute["fft_mask"] = r4(s.fft_mask_s);
    compute["noise_floor"] = r4(s.noise_floor_s);
    nlohmann::ordered_json j;
    j["wall_s"] = r4(wall);
    j["rows"] = s.rows;
    j["rows_per_s"] = wall > 0 ? std::round(static_cast<double>(s.rows) / wall * 10) / 10 : 0.0;
    j["phases_s"] = phases;
    j["phases_sum_s"] = r4(sum);
    j["compute_s"] = compute;
    j["idle_fraction"] = wall > 0 ? r4(s[Phase::collectives] / wall) : 0.0;
    j["checkpoints"] = s.checkpoints;
    j["overlapped"] = s.overlapped;
    return j;
}

} // namespace

double seconds_since_exec() {
    std::ifstream f("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // Field 22 (starttime, clock ticks after boot) counts from the field after the ")" that ends field 2.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    for (int i = 3; i < 22 && rest >> field; ++i) {
    }
    unsigned long long ticks = 0;
    if (!(rest >> ticks)) return 0;
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    const double since_boot = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
    const double started = static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    return std::max(0.0, since_boot - started);
}

std::string stats_json(const std::vector<RankStats>& ranks) {
    nlohmann::ordered_json j, per_rank = nlohmann::ordered_json::array();
    RankStats total;
    double wall = 0, idle = 0;
    for (const auto& s : ranks) {
        per_rank.push_back(describe(s, s.wall_s));
        wall = std::max(wall, s.wall_s);
        for (std::size_t p = 0; p < s.phase_s.size(); ++p)
            total.phase_s[p] += s.phase_s[p];
        total.convert_s += s.convert_s;
        total.fft_mask_s += s.fft_mask_s;
        total.noise_floor_s += s.noise_floor_s;
        total.rows += s.rows;
        total.checkpoints = std::max(total.checkpoints, s.checkpoints);
        total.overlapped = total.overlapped || s.overlapped;
        idle += s[Phase::collectives];
    }
    auto t = describe(total, wall);
    // In total, phases are summed over ranks (rank-seconds); idle is the share of all ranks' wall time.
    t["ranks"] = ranks.size();
    t["idle_fraction"] =
        wall > 0 && !ranks.empty() ? r4(idle / (wall * static_cast<double>(ranks.size()))) : 0.0;
    j["total"] = t;
    j["ranks"] = per_rank;
    return j.dump(2) + "\n";
}

Status write_stats(const MpiSession& mpi, const RankStats& mine, const std::filesystem::path& file) {
    const auto packed = pack(mine);
    std::vector<double> all(mpi.root() ? kFields * static_cast<std::size_t>(mpi.size()) : 0);
    if (mpi.parallel())
        MPI_Gather(packed.data(), static_cast<int>(kFields), MPI_DOUBLE, all.data(),
                   static_cast<int>(kFields), MPI_DOUBLE, 0, MPI_COMM_WORLD);
    else
        all.assign(packed.begin(), packed.end());
    if (!mpi.root()) return {};
    std::vector<RankStats> ranks;
    for (int r = 0; r < mpi.size(); ++r)
        ranks.push_back(unpack(all.data() + kFields * static_cast<std::size_t>(r)));
    return write_file_atomically(file, stats_json(ranks));
}

} // namespace sluice::engine
