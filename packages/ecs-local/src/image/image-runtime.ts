/**
 * The image config a stage builds up (ENV, WORKDIR, USER, EXPOSE, ENTRYPOINT, CMD), one
 * instruction at a time, as Docker's builder does. Pure.
 */
import { resolveContainerPath } from "./container-paths.js";
import { DEFAULT_IMAGE_PATH, type Instruction } from "./dockerfile-parse.js";

/** An exposed port as the image config records it. */
export interface ExposedPort {
  readonly port: number;
  readonly protocol: "tcp" | "udp";
}

/** The image config at one point of a stage. */
export interface StageRuntime {
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly user?: string;
  readonly exposed: readonly ExposedPort[];
  /** Whether this stage set CMD itself (a later ENTRYPOINT then keeps it). */
  readonly cmdSet: boolean;
}

/** The config of a stage FROM an image: Docker's default PATH, WORKDIR `/`, nothing else. */
export function initialRuntime(): StageRuntime {
  return {
    env: { PATH: DEFAULT_IMAGE_PATH },
    workdir: "/",
    entrypoint: [],
    cmd: [],
    exposed: [],
    cmdSet: false,
  };
}

/** The config of a stage FROM an earlier stage: everything inherited, CMD not yet set here. */
export function inheritRuntime(base: StageRuntime): StageRuntime {
  return { ...base, cmdSet: false };
}

/** The config after `ins`; instructions that do not touch the config leave it as it is. */
export function applyToRuntime(rt: StageRuntime, ins: Instruction): StageRuntime {
  switch (ins.kind) {
    case "env":
      return { ...rt, env: { ...rt.env, ...Object.fromEntries(ins.vars) } };
    case "workdir":
      return { ...rt, workdir: resolveContainerPath(rt.workdir, ins.path) };
    case "user":
      return { ...rt, user: ins.user };
    case "expose":
      return { ...rt, exposed: [...rt.exposed, ...exposedPorts(ins.ports)] };
    case "entrypoint":
      // Docker: a new ENTRYPOINT drops a CMD inherited from the base (but not one set in this stage).
      return { ...rt, entrypoint: ins.argv, cmd: rt.cmdSet ? rt.cmd : [] };
    case "cmd":
      return { ...rt, cmd: ins.argv, cmdSet: true };
    default:
      return rt;
  }
}

/** `80`, `53/udp`; words that are not a port (an unexpanded variable, a range) are left out. */
function exposedPorts(ports: readonly string[]): ExposedPort[] {
  const out: ExposedPort[] = [];
  for (const p of ports) {
    const m = /^(\d+)(?:\/(tcp|udp))?$/i.exec(p);
    if (m) {
      out.push({
        port: Number(m[1]),
        protocol: (m[2]?.toLowerCase() ?? "tcp") as "tcp" | "udp",
      });
    }
  }
  return out;
}
