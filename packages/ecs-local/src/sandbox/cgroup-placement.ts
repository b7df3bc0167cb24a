/**
 * Starting a process inside its cgroups without a race: a tiny shell writes its own pid to each
 * group's `cgroup.procs`, then execs the real command (which keeps the pid). The program's
 * first instruction already runs in its groups, so nothing it forks can escape them, and no
 * one has to find and move its processes after the fact.
 */

/** The exit code when a process could not join its groups: Docker's "the runtime failed". */
export const PLACEMENT_FAILED_EXIT = 125;

// $1 is the count of cgroup.procs files, then the files, then the command. `echo` is not a
// special builtin, so a failed redirection is a failed command, not the shell's exit.
const PLACE_SCRIPT = [
  "n=$1",
  "shift",
  'while [ "$n" -gt 0 ]; do',
  `  echo $$ > "$1" || { echo "ecs-local: cannot join the cgroup of $1" >&2; exit ${PLACEMENT_FAILED_EXIT}; }`,
  "  shift",
  "  n=$((n - 1))",
  "done",
  'exec "$@"',
].join("\n");

/**
 * The argv that runs `argv` with its pid in each of `procsFiles` (`…/cgroup.procs`) from the
 * start; `argv` itself when there are none. `argv[0]` must be a path or be on the caller's
 * PATH; the shell is `/bin/sh`.
 */
export function placedInCgroups(
  procsFiles: readonly string[],
  argv: readonly string[],
): readonly string[] {
  if (procsFiles.length === 0) return argv;
  return [
    "/bin/sh",
    "-c",
    PLACE_SCRIPT,
    "ecs-local-place",
    String(procsFiles.length),
    ...procsFiles,
    ...argv,
  ];
}
