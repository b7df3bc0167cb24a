/**
 * The run's network: a bridge in a network namespace of its own (the run's "VPC"), and a veth
 * pair per task whose task end is the task's `eth0` with an address from `taskAddress`. Other
 * tasks' agents connect to a task's app on it directly, in one hop, as an ECS task's traffic
 * reaches another's network interface; nothing of it is in the host's network namespace.
 *
 * With a policy (the security groups), each task gets a network filter (`network-filter.ts`)
 * that admits a connection from another task only where the policy allows it; attachments are
 * made one at a time, so every task is admitted to the tasks that joined before it.
 *
 * Moving a veth end into a task's namespace takes CAP_NET_ADMIN over both namespaces: root.
 * Without root there is no run network, and Service Connect goes through the target task's
 * agent on its ingress socket instead (two hops).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { SandboxError } from "../errors.js";
import { waitHolderReady } from "./holder-ready.js";
import { findTool, toolPath } from "./host-tools.js";
import { type Admission, renderAdmissions, renderNetworkFilter } from "./network-filter.js";
import { isRunning, signal } from "./procs.js";
import { describeExit, runProcess, succeeded } from "./run-process.js";
import { RUN_NETWORK_PREFIX, taskAddress } from "./task-addresses.js";

const BRIDGE = "vpc0";
const SETUP_TIMEOUT_MS = 10_000;

// The holder of the run's network namespace: a bridge, up. Reading stdin ties its life to the
// control plane's, as a task holder's is.
const HOLDER_SCRIPT = [
  "set -e",
  "ip link set lo up",
  `ip link add ${BRIDGE} type bridge`,
  `ip link set ${BRIDGE} up`,
  'echo "ready $$"',
  "exec cat > /dev/null",
].join("\n");

/** What a task is on the run network. */
export interface NetworkAttachment {
  readonly address: string;
}

/** Who a task is, for the policy: its service (`group`) and the ports it may be reached on. */
export interface NetworkMember {
  readonly group: string;
  readonly ports: readonly number[];
}

/** Whether tasks of group `from` may open a connection to a task of group `to` on `port`. */
export type NetworkPolicy = (from: string, to: string, port: number) => boolean;

interface Tools {
  readonly ip: string;
  readonly nsenter: string;
  readonly nft?: string;
}

interface Member extends NetworkMember {
  readonly address: string;
  readonly holderPid: number;
}

export class RunNetwork {
  readonly #holder: ChildProcess;
  /** The process holding the run network's namespace. */
  readonly holderPid: number;
  readonly #tools: Tools;
  readonly #policy: NetworkPolicy | undefined;
  readonly #members = new Map<number, Member>();
  #attached = 0;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    holder: ChildProcess,
    holderPid: number,
    tools: Tools,
    policy: NetworkPolicy | undefined,
  ) {
    this.#holder = holder;
    this.holderPid = holderPid;
    this.#tools = tools;
    this.#policy = policy;
  }

  /**
   * The run network, or the reason there is none: not root, or the kernel refuses a bridge or
   * veth pairs. The reason is for a one-line notice; the run goes on in two hops.
   */
  static async create(
    options: { readonly policy?: NetworkPolicy } = {},
  ): Promise<RunNetwork | { readonly unavailable: string }> {
    if (process.geteuid?.() !== 0) {
      return { unavailable: "not root, so tasks cannot be given network interfaces" };
    }
    const [unshare, ip, nsenter, nft] = await Promise.all(
      ["unshare", "ip", "nsenter", "nft"].map((tool) => findTool(tool)),
    );
    if (!unshare || !ip || !nsenter || (options.policy && !nft)) {
      return { unavailable: "unshare, nsenter, ip (iproute2) or nft (nftables) is missing" };
    }
    const holder = spawn(unshare, ["--net", "sh", "-c", HOLDER_SCRIPT], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, PATH: toolPath() },
    });
    let pid: number;
    try {
      pid = await waitHolderReady(holder, SETUP_TIMEOUT_MS, undefined);
    } catch (error) {
      holder.kill("SIGKILL");
      return { unavailable: `the run network could not be set up: ${(error as Error).message}` };
    }
    const network = new RunNetwork(
      holder,
      pid,
      { ip, nsenter, ...(nft ? { nft } : {}) },
      options.policy,
    );
    // One attachment proves that veth pairs work here before any task depends on them.
    const probe = spawn(unshare, ["--net", "sh", "-c", 'echo "ready $$"; exec cat > /dev/null'], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      const probePid = await waitHolderReady(probe, SETUP_TIMEOUT_MS, undefined);
      await network.#link(probePid, taskAddress(0), "probe");
      if (options.policy) await network.#nft(probePid, renderNetworkFilter([]));
      return network;
    } catch (error) {
      await network.close();
      return { unavailable: (error as Error).message };
    } finally {
      probe.kill("SIGKILL");
    }
  }

  /**
   * Gives the task whose namespaces `holderPid` holds an `eth0` on the run network and returns
   * its address. The pair goes with the task's network namespace. With a policy and a `member`,
   * the task's filter admits the tasks already on the network that the policy allows, and each
   * of them admits the task where the policy allows; without a member the task is unfiltered.
   */
  attach(holderPid: number, member?: NetworkMember): Promise<NetworkAttachment> {
    const attached = this.#queue.then(async () => {
      const index = this.#attached++;
      const address = taskAddress(index);
      await this.#link(holderPid, address, `t${index}`);
      if (this.#policy && member) await this.#admit({ ...member, address, holderPid });
      return { address };
    });
    this.#queue = attached.catch(() => {});
    return attached;
  }

  /** Leaves the task out of later admissions: its namespaces are going. */
  detach(holderPid: number): void {
    this.#members.delete(holderPid);
  }

  async #admit(joining: Member): Promise<void> {
    const policy = this.#policy as NetworkPolicy;
    const admitted = (from: Member, to: Member): Admission[] =>
      to.ports
        .filter((port) => policy(from.group, to.group, port))
        .map((port) => ({ address: from.address, port }));
    for (const [pid, member] of this.#members) {
      if (!isRunning(pid)) this.#members.delete(pid);
    }
    const members = [...this.#members.values()];
    await this.#nft(
      joining.holderPid,
      renderNetworkFilter(members.flatMap((m) => admitted(m, joining))),
    );
    await Promise.all(
      members.map(async (member) => {
        const text = renderAdmissions(admitted(joining, member));
        if (text !== "") await this.#nft(member.holderPid, text);
      }),
    );
    this.#members.set(joining.holderPid, joining);
  }

  #nft(holderPid: number, text: string): Promise<void> {
    return this.#inNamespace(holderPid, [this.#tools.nft as string, "-f", "-"], text);
  }

  /** Runs a tool in the network namespace `holderPid` holds, with `input` on its stdin. */
  #inNamespace(holderPid: number, argv: readonly string[], input: string): Promise<void> {
    return this.#run([this.#tools.nsenter, "--target", String(holderPid), "--net", ...argv], input);
  }

  /** A veth pair: `eth0` with `address` in the task, `peer` on the bridge; both up. */
  async #link(holderPid: number, address: string, peer: string): Promise<void> {
    await this.#run([
      this.#tools.ip,
      "link",
      "add",
      "eth0",
      "netns",
      String(holderPid),
      "type",
      "veth",
      "peer",
      "name",
      peer,
      "netns",
      String(this.holderPid),
    ]);
    const batch = [this.#tools.ip, "-batch", "-"];
    await this.#inNamespace(
      this.holderPid,
      batch,
      `link set ${peer} master ${BRIDGE}\nlink set ${peer} up\n`,
    );
    await this.#inNamespace(
      holderPid,
      batch,
      `addr add ${address}/${RUN_NETWORK_PREFIX} dev eth0\nlink set eth0 up\n`,
    );
  }

  async #run(argv: readonly string[], input?: string): Promise<void> {
    const result = await runProcess(argv, {
      timeoutMs: SETUP_TIMEOUT_MS,
      ...(input === undefined ? {} : { input }),
    });
    if (!succeeded(result)) {
      throw new SandboxError(
        `the run network: \`${argv.slice(-6).join(" ")}\` ${describeExit(result)}: ${result.stderr.trim() || "no message"}`,
      );
    }
  }

  /** Ends the run network; every task's pair has gone with its task by then. */
  async close(): Promise<void> {
    if (this.#holder.exitCode !== null || this.#holder.signalCode !== null) return;
    signal(this.holderPid, "SIGKILL");
    await once(this.#holder, "exit");
  }
}
