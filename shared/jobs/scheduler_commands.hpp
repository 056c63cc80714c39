#pragma once
// Scheduler command lines (DESIGN §7), as shell text for a remote script (`bash -l -s`, remote_script.hpp).
// Every value goes through shell_quote; scheduler job ids are also checked before use. The outputs of
// these commands are read by scheduler_parsers.hpp and status_file.hpp.
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

/// Ids as schedulers print them: a digit first, then `[A-Za-z0-9._+\[\]-]` ("123", "123_4", "77.pbs01").
[[nodiscard]] Status check_scheduler_job_id(std::string_view id);

/// `cd <job dir> && sbatch --parsable job.sh` / Torque `qsub job.sh` / PBS Pro `qsub <job.sh's #PBS
/// options> -- /bin/bash -l <job dir>/job.sh` (so that the script is the job's top process): the
/// scheduler's output files land in the job directory.
[[nodiscard]] std::string submit_command(Scheduler scheduler, std::string_view job_dir);
/// The job id from what sbatch --parsable ("123" or "123;cluster") or qsub ("123.server") printed.
[[nodiscard]] Result<std::string> parse_submit_output(Scheduler scheduler, std::string_view out);

/// Hard cancel: `scancel ID...` / `qdel ID...`.
[[nodiscard]] Result<std::string> cancel_command(Scheduler scheduler, const std::vector<std::string>& ids);
/// Clean stop: USR1 to the batch shell, whose trap passes it to the engine (exit 3, resumable).
[[nodiscard]] Result<std::string> stop_command(Scheduler scheduler, const std::string& id);

/// ONE command for all of the user's jobs on a cluster. Slurm: squeue --me over every state (ids are
/// not needed); PBS Pro: `qstat -f -x IDS` (finished jobs too, where the server keeps history); Torque:
/// `qstat -f IDS`. Both PBS forms print text (OpenPBS's -F json shows only the first of several ids)
/// and succeed when some ids are unknown. An empty id list is an error for PBS: there is nothing to ask.
[[nodiscard]] Result<std::string> poll_command(Scheduler scheduler, const std::vector<std::string>& ids);
/// For jobs that left the queue: `sacct -j IDS -n -P -o JobID,State,ExitCode,Elapsed`; PBS Pro and
/// Torque the poll command again (Torque keeps completed jobs for keep_completed).
[[nodiscard]] Result<std::string> history_command(Scheduler scheduler, const std::vector<std::string>& ids);

/// Prints `<job-id> status <status.json on one line>` and `<job-id> progress <progress.json ...>` for
/// each of the jobs' files that exists, and, for each job given its input's path on the cluster,
/// `<job-id> input present|missing`: a site may purge scratch while a job waits (parse_status_listing
/// reads it all). `inputs` is empty or has one path per job, in order.
[[nodiscard]] Result<std::string> read_status_command(const ClusterProfile& profile,
                                                      const std::vector<std::string>& job_ids,
                                                      const std::vector<std::string>& inputs = {});

} // namespace sluice::jobs
