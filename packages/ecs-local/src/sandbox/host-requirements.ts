/**
 * The host packages ecs-local (and its tests) rely on, and how each distribution names and
 * installs them. Pure: which requirement is missing is decided by `host-check.ts`; this file
 * only says what each one is for and the exact command that installs it.
 */

/** The package managers ecs-local can drive non-interactively. */
export type PackageManager = "apt" | "dnf" | "apk" | "pacman";

export const PACKAGE_MANAGERS: readonly PackageManager[] = ["apt", "dnf", "apk", "pacman"];

/** How a requirement is checked on the host. */
export type RequirementProbe =
  /** An executable on PATH (sbin folders included). */
  | { readonly kind: "command"; readonly name: string }
  /** A module importable by the Python interpreter ecs-local builds Python images with. */
  | { readonly kind: "python-module"; readonly module: string }
  /**
   * An executable on PATH (sbin folders included) whose version output matches: the first
   * such one counts, so an older program of the same name earlier on PATH is passed over.
   */
  | {
      readonly kind: "versioned-command";
      readonly name: string;
      /** The arguments that make it print its version, e.g. `["--version"]`. */
      readonly versionArgs: readonly string[];
      /** Tested against its stdout and stderr together. */
      readonly versionPattern: RegExp;
      /** What the pattern stands for, in messages: `AWS CLI v2`. */
      readonly wanted: string;
    };

export interface HostRequirement {
  /** The name `doctor --with` takes and messages use, e.g. `nft`. */
  readonly name: string;
  /** Why ecs-local needs it, said when it is missing or being installed. */
  readonly why: string;
  readonly probes: readonly RequirementProbe[];
  /** The package that provides it, per package manager. */
  readonly packages: Readonly<Record<PackageManager, string>>;
}

const command = (name: string): RequirementProbe => ({ kind: "command", name });
const sameEverywhere = (name: string): Record<PackageManager, string> => ({
  apt: name,
  dnf: name,
  apk: name,
  pacman: name,
});

/** What every `ecs-local up` needs: the task sandbox and the containers' health checks. */
export const RUN_REQUIREMENTS: readonly HostRequirement[] = [
  {
    name: "unshare",
    why: "creates each task's user, network, mount and UTS namespaces",
    probes: [command("unshare"), command("nsenter")],
    packages: {
      apt: "util-linux",
      dnf: "util-linux",
      apk: "util-linux-misc",
      pacman: "util-linux",
    },
  },
  {
    name: "mount",
    why: "gives each task its own /etc/hosts inside its mount namespace",
    probes: [command("mount")],
    packages: { apt: "mount", dnf: "util-linux", apk: "util-linux", pacman: "util-linux" },
  },
  {
    name: "ip",
    why: "brings up each task's loopback and the task metadata address",
    probes: [command("ip")],
    packages: { apt: "iproute2", dnf: "iproute", apk: "iproute2", pacman: "iproute2" },
  },
  {
    name: "nft",
    why: "redirects Service Connect aliases to the task's agent, as ECS does with iptables",
    probes: [command("nft")],
    packages: sameEverywhere("nftables"),
  },
  {
    name: "haproxy",
    why: "is every task's Service Connect agent (ECS runs Envoy there)",
    // Servers added and removed at run time (`add server`, `del server`) came in 2.4.
    probes: [
      {
        kind: "versioned-command",
        name: "haproxy",
        versionArgs: ["-v"],
        versionPattern: /^HA-?Proxy version (2\.([4-9]|\d\d)|[3-9])\./im,
        wanted: "haproxy 2.4 or newer",
      },
    ],
    packages: sameEverywhere("haproxy"),
  },
  {
    name: "curl",
    why: "runs container health checks such as `curl -f http://localhost:5000/healthcheck`",
    probes: [command("curl")],
    packages: sameEverywhere("curl"),
  },
];

/** Optional requirements, asked for by name (`doctor --with flask`, the test runner). */
export const OPTIONAL_REQUIREMENTS: readonly HostRequirement[] = [
  {
    name: "python-venv",
    why: "creates the virtualenv of images that run Python (`pip install -r requirements.txt`)",
    probes: [{ kind: "python-module", module: "ensurepip" }],
    packages: { apt: "python3-venv", dnf: "python3", apk: "python3", pacman: "python" },
  },
  {
    name: "flask",
    why: "serves Python images that use Flask without a network install (the venv sees the system's packages)",
    probes: [{ kind: "python-module", module: "flask" }],
    packages: {
      apt: "python3-flask",
      dnf: "python3-flask",
      apk: "py3-flask",
      pacman: "python-flask",
    },
  },
  {
    name: "ab",
    why: "generates the walk-through's load (ApacheBench, `ab -c 100 -n 10000`)",
    probes: [command("ab")],
    packages: { apt: "apache2-utils", dnf: "httpd-tools", apk: "apache2-utils", pacman: "apache" },
  },
  {
    name: "wrk",
    why: "generates the HTTP load of the data-path benchmark",
    probes: [command("wrk")],
    packages: sameEverywhere("wrk"),
  },
  {
    name: "chromium",
    why: "is the browser the dashboard's tests drive",
    probes: [command("chromium")],
    packages: sameEverywhere("chromium"),
  },
  {
    name: "aws",
    why: "calls ecs-local's AWS APIs in the tests, as a user would with the AWS CLI v2",
    // Version 1 (pip's `awscli`, often first on PATH through pyenv) speaks the same APIs but
    // is not what the tests and the README's examples mean; only a v2 binary counts.
    probes: [
      {
        kind: "versioned-command",
        name: "aws",
        versionArgs: ["--version"],
        versionPattern: /^aws-cli\/2\./m,
        wanted: "AWS CLI v2",
      },
    ],
    packages: { apt: "awscli", dnf: "awscli2", apk: "aws-cli", pacman: "aws-cli-v2" },
  },
];

/** Looks up optional requirements by name; unknown names are reported with the known ones. */
export function optionalRequirements(names: readonly string[]): {
  readonly found: HostRequirement[];
  readonly unknown: string[];
} {
  const found: HostRequirement[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const requirement = OPTIONAL_REQUIREMENTS.find((r) => r.name === name);
    if (requirement) found.push(requirement);
    else unknown.push(name);
  }
  return { found, unknown };
}

/** Whether the install runs as root already, through passwordless sudo, or not at all. */
export type InstallPrivilege = "root" | "sudo" | "none";

/**
 * The commands that install `packages` non-interactively, each an argv. They never prompt:
 * `-y`/`--noconfirm`, `sudo -n`, and apt's noninteractive frontend.
 */
export function installCommands(
  manager: PackageManager,
  packages: readonly string[],
  privilege: Exclude<InstallPrivilege, "none">,
): string[][] {
  const unique = [...new Set(packages)];
  const sudo = privilege === "sudo" ? ["sudo", "-n"] : [];
  switch (manager) {
    case "apt":
      return [
        [...sudo, "apt-get", "update", "-qq"],
        [
          ...sudo,
          "env",
          "DEBIAN_FRONTEND=noninteractive",
          "apt-get",
          "install",
          "-y",
          "-qq",
          ...unique,
        ],
      ];
    case "dnf":
      return [[...sudo, "dnf", "install", "-y", ...unique]];
    case "apk":
      return [[...sudo, "apk", "add", "--no-cache", ...unique]];
    case "pacman":
      return [[...sudo, "pacman", "-S", "--noconfirm", "--needed", ...unique]];
  }
}

/** The one line a user can paste to install `packages` (with `sudo` unless root). */
export function installHint(
  manager: PackageManager,
  packages: readonly string[],
  asRoot: boolean,
): string {
  const sudo = asRoot ? "" : "sudo ";
  const list = [...new Set(packages)].join(" ");
  switch (manager) {
    case "apt":
      return `${sudo}apt-get update && ${sudo}apt-get install -y ${list}`;
    case "dnf":
      return `${sudo}dnf install -y ${list}`;
    case "apk":
      return `${sudo}apk add ${list}`;
    case "pacman":
      return `${sudo}pacman -S --needed ${list}`;
  }
}

/**
 * The package manager of a distribution from `/etc/os-release`'s `ID` and `ID_LIKE`
 * (`ubuntu` is `debian`-like, `rocky` is `rhel fedora`-like, …), or undefined.
 */
export function packageManagerFor(osRelease: string): PackageManager | undefined {
  const field = (key: string): string[] => {
    const match = new RegExp(`^${key}=(.*)$`, "m").exec(osRelease);
    return (match?.[1] ?? "").replace(/["']/g, "").toLowerCase().split(/\s+/).filter(Boolean);
  };
  const ids = [...field("ID"), ...field("ID_LIKE")];
  const families: [PackageManager, string[]][] = [
    ["apt", ["debian", "ubuntu"]],
    ["dnf", ["fedora", "rhel", "centos"]],
    ["apk", ["alpine"]],
    ["pacman", ["arch"]],
  ];
  for (const id of ids) {
    for (const [manager, names] of families) if (names.includes(id)) return manager;
  }
  return undefined;
}

/** The distribution's name for messages: `PRETTY_NAME`, else `ID`, else "this Linux". */
export function distributionName(osRelease: string): string {
  const pretty = /^PRETTY_NAME=(.*)$/m.exec(osRelease)?.[1];
  const id = /^ID=(.*)$/m.exec(osRelease)?.[1];
  return (pretty ?? id ?? "this Linux").replace(/["']/g, "");
}
