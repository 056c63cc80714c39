#pragma once
// A cluster profile (where and how Sluice runs jobs on one cluster) and a JobSpec (one filter run there).
// Profiles live in profiles.json (profiles_file.hpp) and never hold secrets.
#include "util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

enum class Scheduler {
    slurm,
    pbs,    ///< PBS Pro / OpenPBS: `-l select=N:ncpus=M:mpiprocs=M`, `qstat -F json`
    torque, ///< Torque: `-l nodes=N:ppn=M`, text `qstat -f`
    local,  ///< this computer (local_profile.hpp): the job script runs detached, no queue, no walltime
};

[[nodiscard]] std::string_view to_string(Scheduler s);
[[nodiscard]] Result<Scheduler> scheduler_from_string(std::string_view s);

/// How the job finds sluice-engine on the cluster.
struct EngineCommand {
    enum class Kind {
        module,    ///< `module load <value>`, then `sluice-engine` from PATH
        path,      ///< the executable at <value>
        container, ///< `apptainer exec <value> sluice-engine`
    };
    Kind kind = Kind::path;
    std::string value = "sluice-engine";
};

/// What a job asks the scheduler for. Every field here ends up on a directive line, which no shell
/// parses: values are checked against a whitelist (directive_values.hpp), never quoted.
struct Resources {
    std::string account;   ///< empty: the scheduler's default
    std::string partition; ///< Slurm partition, PBS queue; empty: default
    std::string qos;       ///< Slurm QoS, Torque `-l qos=`; empty: default
    int nodes = 1;
    int tasks_per_node = 1;
    std::string walltime = "01:00:00"; ///< HH:MM:SS or D-HH:MM:SS
    std::string memory;                ///< per node, \d+[KMGT]? (no suffix: MB, as Slurm); empty: default
};

/// What happens to a job's files in the cluster's scratch once its result is downloaded and verified.
enum class ScratchPolicy { keep, ask, remove };
[[nodiscard]] std::string_view to_string(ScratchPolicy p);
[[nodiscard]] Result<ScratchPolicy> scratch_policy_from_string(std::string_view text);

struct ClusterProfile {
    std::string name;
    Scheduler scheduler = Scheduler::slurm;
    std::string host;                     ///< host name, address or ssh_config alias
    std::string user;                     ///< empty: from ssh_config / the local user
    std::optional<int> port;              ///< unset: from ssh_config / 22
    std::string scratch_dir;              ///< absolute; jobs go to <scratch>/sluice/jobs/<job-id>/
    Resources resources;                  ///< defaults for new jobs
    std::vector<std::string> modules;     ///< arguments of one `module` call each, e.g. "load hdf5/1.10"
    std::vector<std::string> environment; ///< NAME=value; the value is taken literally (no $ expansion)
    EngineCommand engine;
    bool hdf5_file_locking = true; ///< false: export HDF5_USE_FILE_LOCKING=FALSE (Lustre/NFS scratch)
    /// `engine deploy` builds in a short batch job (login nodes that forbid or throttle compiling).
    bool deploy_in_job = false;
    /// Slurm only: `srun --mpi=<plugin>`. pmix suits OpenMPI 4; Slurm's own default is often "none",
    /// under which each task would run alone (the engine refuses that for more than one task).
    std::string srun_mpi = "pmix";
    /// ask: the app offers to remove them (the CLI: `sluice-cli clean`); remove: at once; keep: never.
    ScratchPolicy scratch_after_download = ScratchPolicy::ask;
    /// Parallel SFTP channels for files of 64 MiB and more (DESIGN §6): 0 chooses from the file's size
    /// and the measured round trip; 1 to 8 fixes the number.
    int transfer_streams = 0;
    /// More scheduler directives for every job, without their `#SBATCH`/`#PBS` prefix, e.g.
    /// "--constraint=haswell" or "-l place=scatter"; whitelisted (script_additions.hpp).
    std::vector<std::string> extra_directives;
    /// The user's own shell lines run in every job after modules and environment, before the engine,
    /// e.g. "module load cray-hdf5-parallel" or "source /opt/site/env.sh"; one line each, run by eval.
    std::vector<std::string> prologue;
};

/// One filter run on a cluster. Paths are on the cluster, absolute or relative to the job directory.
struct JobSpec {
    std::string job_id; ///< Sluice's id: [A-Za-z0-9_-], names the job directory and the scheduler job
    std::string input;
    std::string dataset;
    std::optional<std::string> output; ///< unset: --in-place (on a scratch copy)
    std::optional<std::string> source_sha256;
    std::optional<int> block_rows;
    Resources resources; ///< usually the profile's, edited in the submit dialog
};

/// `<scratch>/sluice`: everything Sluice keeps on the cluster (inputs by hash, jobs/).
[[nodiscard]] std::string sluice_directory(const ClusterProfile& profile);
/// `<scratch>/sluice/jobs/<job-id>`: recipe.json, job.sh, progress.json and status.json live there.
[[nodiscard]] std::string job_directory(const ClusterProfile& profile, std::string_view job_id);

/// A JobSpec for `job_id` with the profile's default resources.
[[nodiscard]] JobSpec job_spec_from_profile(const ClusterProfile& profile, std::string job_id);

/// Every field checked; errors name the profile and the field ("profile 'x': account: ...").
[[nodiscard]] Status validate_profile(const ClusterProfile& profile);
/// Fields of the job alone, including its resources for `scheduler`; errors name the field.
[[nodiscard]] Status validate_job_spec(const JobSpec& spec, Scheduler scheduler);

} // namespace sluice::jobs
