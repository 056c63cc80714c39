#include "jobs/script_additions.hpp"

#include "jobs/directive_values.hpp"
#include "util/shell_quote.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::jobs {
namespace {

auto bad(std::string message) {
    return fail(ErrorKind::bad_input, std::move(message));
}

template <class List>
bool in(std::string_view value, const List& list) {
    return std::ranges::find(list, value) != std::ranges::end(list);
}

// Directive lines are read by sbatch, or (PBS) split into qsub's words by an unquoted $(sed ...) in the
// submit command (scheduler_commands.cpp): no blanks, quotes, shell or glob characters in a value.
Status check_value(std::string_view option, std::string_view value, bool slurm) {
    const auto ok = [slurm](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == ',' || c == ':' || c == '=' || c == '+' || c == '@' || c == '/' || c == '-' ||
               (slurm && (c == '&' || c == '|'));
    };
    if (value.empty()) return bad(fmt::format("{} needs a value", option));
    if (!std::ranges::all_of(value, ok))
        return bad(fmt::format("the value of {} may only have letters, digits and _ . , : = + @ / -{}",
                               option, slurm ? " & |" : ""));
    return {};
}

// Options whose value comes from a profile field (or that Sluice's own job handling depends on).
std::string_view field_for(std::string_view option) {
    static constexpr std::pair<std::string_view, std::string_view> fields[] = {
        {"job-name", "the job name is Sluice's"},
        {"J", "the job name is Sluice's"},
        {"N", "the job name is Sluice's"},
        {"nodes", "use the Nodes field"},
        {"ntasks-per-node", "use the MPI ranks per node field"},
        {"ntasks", "use Nodes and MPI ranks per node"},
        {"time", "use the Walltime field"},
        {"walltime", "use the Walltime field"},
        {"signal", "Sluice sets it from the walltime"},
        {"account", "use the Account field"},
        {"A", "use the Account field"},
        {"partition", "use the Partition / queue field"},
        {"q", "use the Partition / queue field"},
        {"qos", "use the QoS field"},
        {"mem", "use the Memory per node field"},
        {"select", "use Nodes, MPI ranks per node and Memory per node"},
        {"ncpus", "use MPI ranks per node"},
        {"mpiprocs", "use MPI ranks per node"},
        {"output", "Sluice reads the job's output where the scheduler writes it by default"},
        {"error", "Sluice reads the job's output where the scheduler writes it by default"},
        {"o", "Sluice reads the job's output where the scheduler writes it by default"},
        {"e", "Sluice reads the job's output where the scheduler writes it by default"},
        {"j", "Sluice reads the job's output where the scheduler writes it by default"},
        {"S", "job scripts run under /bin/bash"},
    };
    for (const auto& [name, why] : fields)
        if (name == option) return why;
    return {};
}

Status check_slurm(std::string_view d) {
    if (!d.starts_with("--"))
        return bad(fmt::format("'{}' is not an sbatch option: write --option or --option=value, without "
                               "#SBATCH",
                               printable(d)));
    const auto eq = d.find('=');
    const auto option = d.substr(2, eq == std::string_view::npos ? std::string_view::npos : eq - 2);
    if (const auto why = field_for(option); !why.empty())
        return bad(fmt::format("--{}: Sluice sets it itself ({})", option, why));
    // Options that add constraints or mail without changing what the job runs or where its files go.
    static constexpr std::string_view with_value[] = {
        "constraint",   "gres",        "gpus",      "gpus-per-node", "gpus-per-task", "cpus-per-task",
        "cpus-per-gpu", "mem-per-gpu", "mail-type", "mail-user",     "reservation",   "licenses",
        "comment",      "hint",        "exclude",   "nodelist",      "nice",          "begin",
        "tmp",          "switches",    "wckey",     "exclusive",     "prefer",        "cluster-constraint"};
    static constexpr std::string_view flags[] = {"exclusive", "requeue", "no-requeue", "contiguous",
                                                 "overcommit"};
    if (eq == std::string_view::npos) {
        if (in(option, flags)) return {};
        if (in(option, with_value)) return bad(fmt::format("--{} needs a value: --{}=...", option, option));
    } else if (in(option, with_value)) {
        return check_value(fmt::format("--{}", option), d.substr(eq + 1), true);
    }
    return bad(fmt::format("--{} is not an sbatch option Sluice passes on (allowed: constraint, gres, gpus*, "
                           "cpus-per-task, mail-type, mail-user, reservation, licenses, exclusive, exclude, "
                           "nodelist, comment, hint, nice, begin, tmp, switches, wckey, prefer, requeue)",
                           printable(option)));
}

Status check_pbs(std::string_view d, Scheduler scheduler) {
    const auto sp = d.find(' ');
    if (d.size() < 2 || d[0] != '-' || sp != 2)
        return bad(fmt::format("'{}' is not a qsub option: write -l resource=value, -m, -M, -P or "
                               "-W group_list=..., without #PBS",
                               printable(d)));
    const auto option = d.substr(1, 1);
    const auto value = d.substr(3);
    if (const auto why = field_for(option); !why.empty())
        return bad(fmt::format("-{}: Sluice sets it itself ({})", option, why));
    if (option == "l") {
        const auto eq = value.find('=');
        const auto name = value.substr(0, eq);
        if (eq == std::string_view::npos || name.empty() ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                std::string_view::npos)
            return bad(fmt::format("-l '{}' is not resource=value", printable(value)));
        const bool torque = scheduler == Scheduler::torque;
        if (const auto why = field_for(name); !why.empty() || name == "nodes" || (torque && name == "qos"))
            return bad(fmt::format("-l {}: Sluice sets it itself ({})", name,
                                   why.empty() ? std::string_view("use Nodes and MPI ranks per node") : why));
        return check_value(fmt::format("-l {}", name), value.substr(eq + 1), false);
    }
    if (option == "W" && !value.starts_with("group_list="))
        return bad("-W: only -W group_list=... is passed on (other -W attributes change how the job runs)");
    if (option == "m" || option == "M" || option == "P" || option == "W")
        return check_value(fmt::format("-{}", option), value, false);
    return bad(
        fmt::format("-{} is not a qsub option Sluice passes on (allowed: -l resource=value, -m, -M, -P, "
                    "-W group_list=...)",
                    printable(option)));
}

} // namespace

Status check_extra_directive(Scheduler scheduler, std::string_view directive) {
    if (directive.size() > max_extra_directive_length)
        return bad(fmt::format("longer than {} characters", max_extra_directive_length));
    switch (scheduler) {
    case Scheduler::slurm:
        return check_slurm(directive);
    case Scheduler::pbs:
    case Scheduler::torque:
        return check_pbs(directive, scheduler);
    case Scheduler::local:
        break;
    }
    return bad("this computer has no scheduler to pass directives to");
}

Status check_prologue_line(std::string_view line) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return bad("empty");
    if (line.size() > max_prologue_line_length)
        return bad(fmt::format("longer than {} characters", max_prologue_line_length));
    for (const char c : line) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return bad(fmt::format("'{}' has a control character: a prologue entry is one line of shell",
                                   printable(line)));
    }
    return {};
}

Status check_script_additions(const ClusterProfile& profile) {
    const auto check_list = [](std::string_view field, const std::vector<std::string>& list,
                               auto&& check) -> Status {
        if (list.size() > max_script_additions)
            return fail(ErrorKind::bad_input,
                        fmt::format("{}: more than {} entries", field, max_script_additions),
                        Field{{}, std::string(field), {}});
        for (std::size_t i = 0; i < list.size(); ++i)
            if (auto st = check(list[i]); !st)
                return fail(ErrorKind::bad_input, fmt::format("{}[{}]: {}", field, i, st.error().message),
                            Field{{}, std::string(field), i});
        return {};
    };
    if (auto st = check_list("extra_directives", profile.extra_directives,
                             [&](std::string_view d) { return check_extra_directive(profile.scheduler, d); });
        !st)
        return st;
    return check_list("prologue", profile.prologue, check_prologue_line);
}

std::string extra_directive_lines(const ClusterProfile& profile) {
    std::string out;
    const std::string_view prefix = profile.scheduler == Scheduler::slurm ? "#SBATCH" : "#PBS";
    for (const auto& d : profile.extra_directives)
        out += fmt::format("{} {}\n", prefix, d);
    return out;
}

std::string prologue_lines(const ClusterProfile& profile) {
    if (profile.prologue.empty()) return {};
    std::string out = "\n# The profile's prologue: one eval per line.\nset +u\n";
    for (const auto& line : profile.prologue)
        out += fmt::format("eval {}\n", shell_quote(line));
    out += "set -u\n";
    return out;
}

} // namespace sluice::jobs
